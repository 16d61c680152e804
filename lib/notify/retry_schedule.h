#pragma once
// When to try a failed event again. After the n-th failed attempt the
// nominal delay is initial * 2^(n-1), capped at max_interval; the actual
// delay is drawn uniformly from [nominal/2, nominal] ("equal jitter"), so a
// receiver that comes back is not hit by every sink's retries at the same
// instant, and no retry comes sooner than half the nominal. A server's
// Retry-After (or a robot's throttle) is a floor. Once give_up_after has
// passed since the first failure the event is parked; the last attempt is
// made at that moment, not skipped.
#include "notify/notify_time.h"

#include <optional>
#include <random>

namespace pw::notify {

struct RetrySchedule {
  Millis initial{std::chrono::seconds(10)};
  Millis max_interval{std::chrono::hours(1)};
  Millis give_up_after{std::chrono::hours(24)};
};

/// The nominal delay after `failures` (>= 1) failed attempts, before jitter.
Millis nominalDelay(const RetrySchedule& schedule, int failures);

/// When to try again, or nullopt: park it.
std::optional<TimePoint> nextAttempt(const RetrySchedule& schedule, int failures,
                                     TimePoint firstFailure, TimePoint now,
                                     std::optional<Millis> floor, std::mt19937_64& rng);

}  // namespace pw::notify
