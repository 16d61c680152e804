#include "polling/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace pw {

namespace {
constexpr std::int64_t kSecondUs = 1'000'000;
std::int64_t micros(Timestamp t) { return t.time_since_epoch().count() * kSecondUs; }
}  // namespace

RateLimiter::RateLimiter(double requestsPerSecond) {
  if (requestsPerSecond <= 0) return;
  // Rounded up, so that `rate` requests never add up to less than a second.
  interval_us_ = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(static_cast<double>(kSecondUs) / requestsPerSecond)));
  // Tracking data has second resolution, so a second's worth may go at once
  // (in shares too: 120 numbers of a 40-per-request aggregator at 3/s).
  tolerance_us_ = interval_us_ < kSecondUs ? kSecondUs : 0;
}

Timestamp RateLimiter::earliest(Timestamp now) const {
  Timestamp t = std::max(now, paused_until_);
  if (interval_us_ == 0) return t;
  // Allowed while the theoretical arrival time is less than the tolerance
  // ahead of `t` (at or behind `t` when there is no tolerance).
  std::int64_t ahead = tat_us_ - micros(t);
  if (tolerance_us_ > 0 ? ahead < tolerance_us_ : ahead <= 0) return t;
  std::int64_t from = tolerance_us_ > 0 ? tat_us_ - tolerance_us_ + 1 : tat_us_;
  return Timestamp(Seconds((from + kSecondUs - 1) / kSecondUs));
}

void RateLimiter::record(Timestamp at, double share) {
  if (interval_us_ == 0) return;
  tat_us_ = std::max(tat_us_, micros(at)) +
            std::max<std::int64_t>(
                1, static_cast<std::int64_t>(std::ceil(static_cast<double>(interval_us_) * share)));
}

void RateLimiter::pauseUntil(Timestamp until) { paused_until_ = std::max(paused_until_, until); }

}  // namespace pw
