#pragma once
// One aggregator's circuit breaker. After a run of failed queries (timeouts,
// 5xx, 429) it opens and no query goes out; when the open time is over it is
// half-open and lets a few probes through: a success closes it, a failure
// opens it again for twice as long (capped). Failures about one number (no
// result, not registered) say nothing about the aggregator and are not counted.
#include "common/clock.h"

#include <string_view>

namespace pw {

enum class BreakerState { closed, open, half_open };
std::string_view toString(BreakerState state);

struct BreakerSettings {
  int failure_threshold = 5;  // consecutive failures that open it
  Seconds open_for = std::chrono::minutes(1);
  Seconds max_open_for = std::chrono::minutes(10);
  int half_open_probes = 1;    // queries let through at once while half-open
  int successes_to_close = 2;  // successful probes that close it
  /// A probe unanswered this long is taken as lost and another goes.
  Seconds probe_timeout = std::chrono::minutes(1);
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(BreakerSettings settings = {}) : s_(settings) {}

  BreakerState state(Timestamp now) const;
  /// The earliest time a query may go out, `now` or later.
  Timestamp earliest(Timestamp now) const;
  /// Counts a query that is being sent (a probe when half-open).
  void onSend(Timestamp now);
  void onSuccess(Timestamp now);
  void onFailure(Timestamp now);
  /// Times it opened (for stats and metrics).
  int opened() const { return opened_; }

 private:
  void open(Timestamp now);

  BreakerSettings s_;
  bool open_ = false;  // open or half-open
  Timestamp open_until_{};
  Seconds open_for_{0};
  int failures_ = 0;
  int probes_in_flight_ = 0;
  Timestamp probe_sent_{};
  int probe_successes_ = 0;
  int opened_ = 0;
};

}  // namespace pw
