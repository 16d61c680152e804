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
  interval_us_ = std::max<std::int64_t>(1, std::llround(kSecondUs / requestsPerSecond));
  // Tracking data has second resolution, so a second's worth may go at once.
  tolerance_us_ = std::max<std::int64_t>(0, kSecondUs - interval_us_);
}

Timestamp RateLimiter::earliest(Timestamp now) const {
  Timestamp t = std::max(now, paused_until_);
  if (interval_us_ == 0) return t;
  std::int64_t allowedFrom = tat_us_ - tolerance_us_;
  if (allowedFrom <= micros(t)) return t;
  return Timestamp(Seconds((allowedFrom + kSecondUs - 1) / kSecondUs));
}

void RateLimiter::record(Timestamp at) {
  if (interval_us_ == 0) return;
  tat_us_ = std::max(tat_us_, micros(at)) + interval_us_;
}

void RateLimiter::pauseUntil(Timestamp until) { paused_until_ = std::max(paused_until_, until); }

}  // namespace pw
