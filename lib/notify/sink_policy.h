#pragma once
// Everything a sink decides without I/O, so it can be tested with a hand-set
// clock and a seeded generator: which events it wants, when it may send
// (platform rate limits, a throttle after "rate limited"), how many waiting
// events the next message carries, and what a failure means for the events
// in it (try again when, or park).
//
// Folding: when more events are ready than the rate limit lets go right now,
// sending them one by one would make the last ones wait minutes, so the next
// message is one digest of as many as fit. With 20 a minute and a burst of
// 50, that is two digests and then single cards; nothing is dropped.
#include "notify/alert_event.h"
#include "notify/answer_classifier.h"
#include "notify/platform_profile.h"
#include "notify/rate_limiter.h"
#include "notify/retry_schedule.h"
#include "notify/sink_config.h"

#include <cstdint>
#include <random>

namespace pw::notify {

class SinkPolicy {
 public:
  SinkPolicy(const NotifySinkConfig& config, std::uint64_t seed);

  bool wants(const AlertEvent& event) const;
  int maxInFlight() const { return max_in_flight_; }

  /// When the next message may go: rate limits and any throttle.
  TimePoint nextSendAt(TimePoint now) const;
  /// How many of `ready` events (>= 1) the next message should try to carry.
  std::size_t foldCount(std::size_t ready, TimePoint now) const;
  void recordSend(TimePoint now);

  struct AfterFailure {
    bool park = false;
    TimePoint retry_at;
  };
  /// For one event in a failed message: `failures` counts this one,
  /// `firstFailure` is when the event first failed. A rate-limited answer
  /// also holds the whole sink (see throttledUntil).
  AfterFailure afterFailure(const Answer& answer, int failures, TimePoint firstFailure,
                            TimePoint now);
  /// Call once per rate-limited answer, before afterFailure for its events.
  void throttle(const Answer& answer, TimePoint now);
  TimePoint throttledUntil() const { return throttled_until_; }

 private:
  const PlatformProfile& profile_;
  std::set<AlertEventName> events_;
  std::set<ExceptionKind> kinds_;
  int max_in_flight_;
  Millis throttle_pause_;
  RetrySchedule schedule_;
  RateLimiter limiter_;
  TimePoint throttled_until_{};
  std::mt19937_64 rng_;
};

}  // namespace pw::notify
