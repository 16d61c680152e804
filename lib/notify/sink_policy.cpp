#include "notify/sink_policy.h"

#include <algorithm>

namespace pw::notify {

namespace {

std::vector<RateLimit> limitsFor(const NotifySinkConfig& c, const PlatformProfile& p) {
  std::vector<RateLimit> out = p.rate_limits;
  if (c.rate_limit) out.push_back(*c.rate_limit);
  return out;
}

}  // namespace

SinkPolicy::SinkPolicy(const NotifySinkConfig& c, std::uint64_t seed)
    : profile_(platformProfile(c.type)),
      events_(c.events),
      kinds_(c.kinds),
      max_in_flight_(c.max_in_flight > 0 ? c.max_in_flight : profile_.default_max_in_flight),
      throttle_pause_(c.throttle_pause.value_or(profile_.throttle_pause)),
      schedule_{c.retry_initial, c.retry_max_interval, c.retry_for},
      limiter_(limitsFor(c, profile_)),
      rng_(seed) {}

bool SinkPolicy::wants(const AlertEvent& e) const {
  if (e.name == AlertEventName::test) return true;
  if (!events_.count(e.name)) return false;
  return kinds_.empty() || kinds_.count(e.kind);
}

TimePoint SinkPolicy::nextSendAt(TimePoint now) const {
  return std::max(limiter_.nextFree(now), throttled_until_);
}

std::size_t SinkPolicy::foldCount(std::size_t ready, TimePoint now) const {
  if (!profile_.folds || ready <= 1) return 1;
  auto available = static_cast<std::size_t>(std::max(0, limiter_.available(now)));
  if (ready <= available) return 1;
  return std::min(ready, profile_.max_digest_events);
}

void SinkPolicy::recordSend(TimePoint now) { limiter_.record(now); }

void SinkPolicy::throttle(const Answer& a, TimePoint now) {
  Millis pause = a.retry_after.value_or(throttle_pause_);
  throttled_until_ = std::max(throttled_until_, now + pause);
}

SinkPolicy::AfterFailure SinkPolicy::afterFailure(const Answer& a, int failures,
                                                  TimePoint firstFailure, TimePoint now) {
  AfterFailure out;
  if (a.verdict == Verdict::rejected) {
    out.park = true;
    return out;
  }
  std::optional<Millis> floor = a.retry_after;
  if (a.verdict == Verdict::rate_limited)
    floor = std::max(floor.value_or(Millis{0}),
                     std::chrono::duration_cast<Millis>(throttled_until_ - now));
  auto next = nextAttempt(schedule_, failures, firstFailure, now, floor, rng_);
  if (!next) {
    out.park = true;
    return out;
  }
  out.retry_at = *next;
  return out;
}

}  // namespace pw::notify
