#pragma once
// The number of queries the merchant's plan pays for in a day, counted over a
// rolling 24 h (stricter than any calendar day, so a plan that resets at
// midnight is never overrun either). When it runs short, routine polls stop
// first: each priority may use only its share, so the last part of the budget
// is kept for the parcels most at risk.
#include "common/clock.h"
#include "polling/poll_priority.h"

#include <array>
#include <cstdint>
#include <deque>

namespace pw {

class DailyBudget {
 public:
  /// `limit` 0: unlimited. `reserve`: the fraction kept back from the lowest
  /// priority, shrinking linearly to nothing for at_risk.
  DailyBudget(std::int64_t limit = 0, double reserve = 0.0);

  /// The earliest time a query of `priority` fits, `now` or later.
  Timestamp earliest(PollPriority priority, Timestamp now) const;
  void record(Timestamp at);
  /// New plan or reserve (a reload); what was already spent still counts.
  void reconfigure(std::int64_t limit, double reserve);
  /// Queries sent in the last 24 h: exact with a limit, by the hour without
  /// one (for stats and /metrics; no limit keeps no timestamps).
  std::int64_t usedWithin24h(Timestamp now) const;
  std::int64_t limit() const { return limit_; }
  /// How many queries of `priority` may be sent in any 24 h.
  std::int64_t capFor(PollPriority priority) const;

 private:
  std::int64_t limit_;
  double reserve_;
  std::deque<Timestamp> sent_;  // at most `limit_` entries are ever needed
  // Sends per hour over the last 24 hours, by hour since the epoch.
  std::array<std::int64_t, 24> hourly_{};
  std::array<std::int64_t, 24> hour_of_{};
};

}  // namespace pw
