#include "notify/retry_schedule.h"

#include <algorithm>

namespace pw::notify {

Millis nominalDelay(const RetrySchedule& s, int failures) {
  Millis d = s.initial;
  for (int i = 1; i < failures && d < s.max_interval; ++i) d *= 2;
  return std::min(d, s.max_interval);
}

std::optional<TimePoint> nextAttempt(const RetrySchedule& s, int failures, TimePoint firstFailure,
                                     TimePoint now, std::optional<Millis> floor,
                                     std::mt19937_64& rng) {
  TimePoint deadline = firstFailure + s.give_up_after;
  if (now >= deadline) return std::nullopt;
  Millis nominal = nominalDelay(s, std::max(failures, 1));
  std::uniform_int_distribution<Millis::rep> jitter(nominal.count() / 2, nominal.count());
  Millis delay{jitter(rng)};
  if (floor) delay = std::max(delay, *floor);
  return std::min(now + delay, deadline);
}

}  // namespace pw::notify
