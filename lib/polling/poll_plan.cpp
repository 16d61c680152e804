#include "polling/poll_plan.h"

#include "detection/rule_input.h"

#include <algorithm>

namespace pw {

std::string_view toString(PollPriority p) {
  switch (p) {
    case PollPriority::safety_net:
      return "safety_net";
    case PollPriority::routine:
      return "routine";
    case PollPriority::watched:
      return "watched";
    case PollPriority::at_risk:
      return "at_risk";
  }
  return "routine";
}

std::string_view toString(PollReason r) {
  switch (r) {
    case PollReason::first_poll:
      return "first_poll";
    case PollReason::cadence:
      return "cadence";
    case PollReason::threshold:
      return "threshold";
    case PollReason::safety_net:
      return "safety_net";
    case PollReason::backoff:
      return "backoff";
    case PollReason::rerun:
      return "rerun";
  }
  return "cadence";
}

namespace {

/// The rules' own stretching (province, carrier, holidays) through a minimal
/// RuleInput, so the aim moves with any change to effectiveThreshold.
Timestamp crossingFrom(const ParcelView& v, const DetectionPolicy& policy, Seconds base,
                       Timestamp from, bool gapBetweenScans = false) {
  Parcel p;
  p.tracking_number = v.tracking_number;
  p.carrier = v.carrier;
  p.destination.province = v.destination_province;
  p.destination.country = v.destination_country;
  Timeline none;
  if (gapBetweenScans) {
    RuleInput in{p, none, v.stage, policy, from};
    base = crossBorderGap(in, base);
  }
  // Holidays inside the gap lengthen it, which may reach into the next
  // holiday: a few rounds settle it.
  Timestamp at = from + base;
  for (int round = 0; round < 4; ++round) {
    RuleInput in{p, none, v.stage, policy, at};
    Timestamp next = from + effectiveThreshold(in, base, from);
    if (next == at) break;
    at = next;
  }
  return at;
}

enum class Phase {
  awaiting_pickup,
  no_result,
  in_transit,
  in_destination_city,
  at_delivery_station,
  out_for_delivery,
  failed_attempt,
  awaiting_collection,
  returning
};

Phase phaseOf(const ParcelView& v) {
  switch (v.stage) {
    case ParcelStage::awaiting_pickup:
      return v.no_result ? Phase::no_result : Phase::awaiting_pickup;
    case ParcelStage::in_transit:
      if (v.last_event_kind == EventKind::delivery_failed) return Phase::failed_attempt;
      if (v.last_event_kind == EventKind::arrived_delivery_station)
        return Phase::at_delivery_station;
      if (!v.destination_city.empty() && sameCity(v.last_scan_city, v.destination_city))
        return Phase::in_destination_city;
      return Phase::in_transit;
    case ParcelStage::out_for_delivery:
      return Phase::out_for_delivery;
    case ParcelStage::awaiting_collection:
      return Phase::awaiting_collection;
    default:
      // Refused at the door: the return scan (and `returned`) is coming.
      if (v.last_event_kind == EventKind::refused) return Phase::failed_attempt;
      return Phase::returning;
  }
}

const Cadence& cadenceOf(Phase phase, const CadenceSettings& c) {
  switch (phase) {
    case Phase::awaiting_pickup:
      return c.awaiting_pickup;
    case Phase::no_result:
      return c.no_result;
    case Phase::in_transit:
      return c.in_transit;
    case Phase::in_destination_city:
      return c.in_destination_city;
    case Phase::at_delivery_station:
      return c.at_delivery_station;
    case Phase::out_for_delivery:
      return c.out_for_delivery;
    case Phase::failed_attempt:
      return c.failed_attempt;
    case Phase::awaiting_collection:
      return c.awaiting_collection;
    case Phase::returning:
      return c.returning;
  }
  return c.in_transit;
}

Seconds pushOverdueOf(Phase phase, const PushOverdueSettings& s) {
  switch (phase) {
    case Phase::awaiting_pickup:
    case Phase::no_result:
      return s.awaiting_pickup;
    case Phase::in_transit:
    case Phase::in_destination_city:
      return s.in_transit;
    case Phase::at_delivery_station:
      return s.at_delivery_station;
    case Phase::out_for_delivery:
      return s.out_for_delivery;
    case Phase::failed_attempt:
      return s.failed_attempt;
    case Phase::awaiting_collection:
      return s.awaiting_collection;
    case Phase::returning:
      return s.returning;
  }
  return s.in_transit;
}

PollPriority cadencePriority(Phase phase, bool denseStep, const ParcelView& v) {
  if (phase == Phase::failed_attempt || phase == Phase::out_for_delivery ||
      phase == Phase::at_delivery_station || phase == Phase::in_destination_city || denseStep ||
      !v.open_exceptions.empty())
    return PollPriority::watched;
  return PollPriority::routine;
}

std::optional<Timestamp> lastAnswer(const ParcelView& v) {
  if (v.last_polled_at && v.last_push_at) return std::max(*v.last_polled_at, *v.last_push_at);
  return v.last_polled_at ? v.last_polled_at : v.last_push_at;
}

/// The next cadence poll: `every` of the step the parcel is in when last
/// answered, but no later than a little into a denser step that begins sooner
/// (the end of a quiet trunk leg is watched from its start).
PollPlan cadencePlan(const ParcelView& v, Phase phase, const SchedulerConfig& config,
                     Timestamp answered, Jitter& jitter) {
  const Cadence& cadence = cadenceOf(phase, config.cadence);
  Timestamp reference = v.last_event_at.value_or(v.shipped_at);
  if ((phase == Phase::in_transit || phase == Phase::in_destination_city) && v.last_scan_at)
    reference = *v.last_scan_at;
  Seconds age = answered - reference;
  std::size_t step = 0;
  while (step + 1 < cadence.size() && cadence[step + 1].after <= age) ++step;
  Seconds every = cadence.empty() ? std::chrono::hours(1) : cadence[step].every;
  Timestamp due = answered + jitter.around(every, config.interval_jitter);
  bool dense = false;
  for (std::size_t next = step + 1; next < cadence.size(); ++next) {
    if (cadence[next].every >= every) continue;
    Timestamp starts = reference + cadence[next].after;
    Timestamp into = starts + jitter.between(Seconds(0), cadence[next].every);
    if (into < due) {
      due = into;
      dense = true;
    }
    break;
  }
  // "dense" also when already in a step denser than the stage's first.
  if (!cadence.empty() && step > 0 && cadence[step].every < cadence[step - 1].every) dense = true;
  return {due, PollReason::cadence, cadencePriority(phase, dense, v)};
}

/// The start of the next delivery round after `t`, or nullopt when `t` is
/// inside one.
std::optional<Timestamp> nextRoundStart(const DeliveryRounds& rounds, Timestamp t) {
  if (rounds.windows.empty()) return std::nullopt;
  Timestamp local = t + rounds.utc_offset;
  auto day = std::chrono::floor<std::chrono::days>(local);
  Seconds tod = local - Timestamp(day);
  std::optional<Timestamp> next;
  for (const auto& [from, to] : rounds.windows) {
    if (tod >= from && tod < to) return std::nullopt;
    Timestamp start = Timestamp(day) + from - rounds.utc_offset;
    if (start <= t) start += std::chrono::days(1);
    if (!next || start < *next) next = start;
  }
  return next;
}

}  // namespace

bool crossedSinceAnswered(const ParcelView& v, const DetectionPolicy& policy, Timestamp now) {
  auto answered = lastAnswer(v);
  for (const auto& c : upcomingCrossings(v, policy))
    if (c.at <= now && (!answered || c.at > *answered)) return true;
  return false;
}

std::vector<Crossing> upcomingCrossings(const ParcelView& v, const DetectionPolicy& policy) {
  std::vector<Crossing> out;
  switch (v.stage) {
    case ParcelStage::awaiting_pickup:
      if (v.no_result)
        out.push_back({ExceptionKind::invalid_number,
                       crossingFrom(v, policy, policy.invalid_number_after, v.shipped_at)});
      else
        out.push_back({ExceptionKind::not_picked_up,
                       crossingFrom(v, policy, policy.not_picked_up_after, v.shipped_at)});
      break;
    case ParcelStage::in_transit:
      if (v.last_scan_at)
        out.push_back({ExceptionKind::stalled,
                       crossingFrom(v, policy, policy.stalled_after, *v.last_scan_at, true)});
      break;
    case ParcelStage::out_for_delivery:
      if (v.last_event_kind == EventKind::out_for_delivery && v.last_event_at)
        out.push_back({ExceptionKind::delivery_overdue,
                       crossingFrom(v, policy, policy.delivery_overdue_after, *v.last_event_at)});
      break;
    case ParcelStage::awaiting_collection:
      if (v.stored_at)
        out.push_back({ExceptionKind::pickup_overdue,
                       crossingFrom(v, policy, policy.pickup_overdue_after, *v.stored_at, true)});
      break;
    default:
      break;
  }
  bool promiseApplies = v.stage == ParcelStage::awaiting_pickup ||
                        v.stage == ParcelStage::in_transit ||
                        v.stage == ParcelStage::out_for_delivery;
  if (v.promised_by && promiseApplies) {
    out.push_back({ExceptionKind::promise_at_risk, *v.promised_by - policy.promise_margin});
    out.push_back({ExceptionKind::promise_at_risk, *v.promised_by});
  }
  return out;
}

std::optional<PollPlan> planPoll(const ParcelView& v, const SchedulerConfig& config,
                                 const DetectionPolicy& policy, Timestamp now, Jitter& jitter) {
  if (isFinal(v.stage)) return std::nullopt;
  auto answered = lastAnswer(v);
  if (!answered)
    return PollPlan{now + jitter.between(Seconds(0), config.first_poll_spread),
                    PollReason::first_poll, PollPriority::watched};

  Phase phase = phaseOf(v);
  PollPlan plan;
  if (v.push_confirmed) {
    // Pushes bring news; a poll only checks none was lost.
    Timestamp heard = std::max(*answered, v.last_event_at.value_or(*answered));
    plan = {
        heard + jitter.around(pushOverdueOf(phase, config.push_overdue), config.interval_jitter),
        PollReason::safety_net, PollPriority::safety_net};
  } else if (config.fixed_interval > Seconds(0)) {
    plan = {*answered + config.fixed_interval, PollReason::cadence, PollPriority::routine};
  } else {
    plan = cadencePlan(v, phase, config, *answered, jitter);
    if (phase == Phase::at_delivery_station) {
      const DeliveryRounds& rounds = config.delivery_rounds;
      auto next = nextRoundStart(rounds, *answered);
      Timestamp round = next ? *next + jitter.between(Seconds(0), rounds.every)
                             : *answered + jitter.around(rounds.every, config.interval_jitter);
      if (round < plan.due) plan = {round, PollReason::cadence, PollPriority::watched};
    }
  }
  // A rule that will start to hold with no new event needs an answer after
  // the crossing; one already answered after it is known.
  for (const auto& c : upcomingCrossings(v, policy)) {
    if (c.at <= *answered) continue;
    Timestamp aim = c.at + config.aim_delay + jitter.between(Seconds(0), config.aim_spread);
    if (aim < plan.due) plan = {aim, PollReason::threshold, PollPriority::at_risk};
  }
  plan.due = std::max(plan.due, now);
  return plan;
}

}  // namespace pw
