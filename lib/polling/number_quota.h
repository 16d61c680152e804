#pragma once
// One tracking number's query history against its aggregator's per-number
// rules. Kuaidi100 locks a number for 24 h when it is queried more than 48
// times in 24 h, and asks for no more than one query per half hour; every
// request counts, failed ones included, so the history holds sent requests.
//
// Only the last query is kept: queries at least `window / max_per_window`
// (plus a second) apart can never be more than `max_per_window` in any
// window, so the count rule becomes a gap rule (for Kuaidi100, 30 min 1 s).
// That costs a burst nothing it should have had and keeps the state of a
// million numbers small.
#include "common/clock.h"

#include <optional>

namespace pw {

struct NumberLimits {
  Seconds min_gap{0};      // 0: none
  int max_per_window = 0;  // 0: unlimited
  Seconds window = std::chrono::hours(24);
};

/// The gap both rules together require between two queries of one number.
Seconds requiredGap(const NumberLimits& limits);

class NumberQuota {
 public:
  /// The earliest time a query may be sent, `now` or later.
  Timestamp earliest(const NumberLimits& limits, Timestamp now) const;
  void record(const NumberLimits& limits, Timestamp at);
  std::optional<Timestamp> last() const { return last_; }

 private:
  std::optional<Timestamp> last_;
};

}  // namespace pw
