#include "polling/circuit_breaker.h"

#include <algorithm>

namespace pw {

std::string_view toString(BreakerState state) {
  switch (state) {
    case BreakerState::closed:
      return "closed";
    case BreakerState::open:
      return "open";
    case BreakerState::half_open:
      return "half_open";
  }
  return "closed";
}

BreakerState CircuitBreaker::state(Timestamp now) const {
  if (!open_) return BreakerState::closed;
  return now < open_until_ ? BreakerState::open : BreakerState::half_open;
}

Timestamp CircuitBreaker::earliest(Timestamp now) const {
  switch (state(now)) {
    case BreakerState::closed:
      return now;
    case BreakerState::open:
      return open_until_;
    case BreakerState::half_open:
      // Probes out: wait for their answers, or until they count as lost.
      return probes_in_flight_ < s_.half_open_probes
                 ? now
                 : std::max(now, probe_sent_ + s_.probe_timeout);
  }
  return now;
}

void CircuitBreaker::onSend(Timestamp now) {
  if (state(now) != BreakerState::half_open) return;
  if (probes_in_flight_ >= s_.half_open_probes) probes_in_flight_ = 0;  // those were lost
  ++probes_in_flight_;
  probe_sent_ = now;
}

void CircuitBreaker::onSuccess(Timestamp now) {
  failures_ = 0;
  if (state(now) != BreakerState::half_open) return;
  probes_in_flight_ = std::max(0, probes_in_flight_ - 1);
  if (++probe_successes_ >= s_.successes_to_close) {
    open_ = false;
    open_for_ = Seconds(0);
    probe_successes_ = 0;
    probes_in_flight_ = 0;
  }
}

void CircuitBreaker::onFailure(Timestamp now) {
  switch (state(now)) {
    case BreakerState::closed:
      if (++failures_ >= s_.failure_threshold) open(now);
      return;
    case BreakerState::half_open:
      open(now);
      return;
    case BreakerState::open:
      return;  // answers to queries sent before it opened
  }
}

void CircuitBreaker::open(Timestamp now) {
  open_for_ = open_ ? std::min(open_for_ * 2, s_.max_open_for) : s_.open_for;
  open_ = true;
  open_until_ = now + open_for_;
  failures_ = 0;
  probes_in_flight_ = 0;
  probe_successes_ = 0;
  ++opened_;
}

}  // namespace pw
