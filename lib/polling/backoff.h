#pragma once
// How long one parcel waits after consecutive failed queries: exponential,
// capped, with "equal jitter" (a random point in the upper half of the step)
// so numbers that failed together do not retry together. A Retry-After from
// the aggregator is honoured when it asks for longer.
#include "common/clock.h"
#include "polling/jitter.h"

#include <optional>

namespace pw {

struct BackoffSettings {
  Seconds base = std::chrono::minutes(5);
  double factor = 2.0;
  Seconds cap = std::chrono::hours(6);
  /// A longer Retry-After than this is taken as this (a day-long lock is
  /// the worst an aggregator documents).
  Seconds max_retry_after = std::chrono::hours(24);
};

/// The wait after the `failures`-th consecutive failure (1 = the first).
Seconds backoffDelay(const BackoffSettings& s, int failures, std::optional<Seconds> retryAfter,
                     Jitter& jitter);

}  // namespace pw
