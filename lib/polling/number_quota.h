#pragma once
// One tracking number's query history against its aggregator's per-number
// rules. Kuaidi100 locks a number for 24 h when it is queried more than 48
// times in 24 h, and asks for no more than one query per half hour; every
// request counts, failed ones included, so the history holds sent requests.
#include "common/clock.h"

#include <deque>
#include <optional>

namespace pw {

struct NumberLimits {
  Seconds min_gap{0};      // 0: none
  int max_per_window = 0;  // 0: unlimited
  Seconds window = std::chrono::hours(24);
};

class NumberQuota {
 public:
  /// The earliest time a query may be sent, `now` or later.
  Timestamp earliest(const NumberLimits& limits, Timestamp now) const;
  void record(const NumberLimits& limits, Timestamp at);
  /// Queries sent in (now - window, now].
  int sentWithin(Seconds window, Timestamp now) const;
  std::optional<Timestamp> last() const;

 private:
  std::deque<Timestamp> sent_;  // oldest first, only what a window can still see
};

}  // namespace pw
