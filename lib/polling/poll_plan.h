#pragma once
// When one parcel should be polled next, from what is known of it: a pure
// function of the view, the detection thresholds, the configuration and the
// clock (plus jitter). Quotas, budgets, backoff and the breaker are applied
// on top by the Scheduler.
#include "detection/detection_policy.h"
#include "polling/jitter.h"
#include "polling/parcel_view.h"
#include "polling/poll_priority.h"
#include "polling/scheduler_config.h"

#include <optional>
#include <string_view>
#include <vector>

namespace pw {

enum class PollReason {
  first_poll,  // never answered yet
  cadence,     // the stage's normal rhythm
  threshold,   // just after a detection threshold is crossed
  safety_net,  // push-subscribed, but no push for longer than the stage allows
  backoff,     // retrying after failures
  rerun,       // an operator asked
};
std::string_view toString(PollReason r);

struct PollPlan {
  Timestamp due;
  PollReason reason = PollReason::cadence;
  PollPriority priority = PollPriority::routine;
};

/// When a time-driven rule would start to hold if nothing new happened,
/// with the thresholds stretched as the rules stretch them.
struct Crossing {
  ExceptionKind kind;
  Timestamp at;
};
std::vector<Crossing> upcomingCrossings(const ParcelView& view, const DetectionPolicy& policy);
/// True when a threshold was crossed by `now` and no answer came after it: the
/// next answer raises an exception, so the poll is at risk whatever it was
/// planned as (a first poll held back by the budget, say).
bool crossedSinceAnswered(const ParcelView& view, const DetectionPolicy& policy, Timestamp now);

/// nullopt for parcels in a final stage: they are not polled any more.
std::optional<PollPlan> planPoll(const ParcelView& view, const SchedulerConfig& config,
                                 const DetectionPolicy& policy, Timestamp now, Jitter& jitter);

}  // namespace pw
