#pragma once
// Requests per second to one aggregator (GCRA: at most `rate` requests in any
// one-second tick, spaced 1/rate apart when the rate is below one), and a
// pause the aggregator asked for with 429 + Retry-After.
#include "common/clock.h"

#include <cstdint>

namespace pw {

class RateLimiter {
 public:
  explicit RateLimiter(double requestsPerSecond = 0);  // 0: unlimited

  /// The earliest time a request may be sent, `now` or later.
  Timestamp earliest(Timestamp now) const;
  /// `share` of one request: a number in a batch of n takes 1/n.
  void record(Timestamp at, double share = 1.0);
  void pauseUntil(Timestamp until);

 private:
  std::int64_t interval_us_ = 0;   // 1/rate
  std::int64_t tolerance_us_ = 0;  // how far ahead of its slot a request may go
  std::int64_t tat_us_ = 0;        // theoretical arrival time of the next request
  Timestamp paused_until_{};
};

}  // namespace pw
