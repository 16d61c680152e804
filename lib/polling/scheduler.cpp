#include "polling/scheduler.h"

#include <algorithm>

namespace pw {

std::string_view toString(DeferReason r) {
  switch (r) {
    case DeferReason::none:
      return "none";
    case DeferReason::not_tracked:
      return "not_tracked";
    case DeferReason::breaker_open:
      return "breaker_open";
    case DeferReason::backoff:
      return "backoff";
    case DeferReason::min_gap:
      return "min_gap";
    case DeferReason::budget:
      return "budget";
    case DeferReason::rate:
      return "rate";
  }
  return "none";
}

Scheduler::Scheduler(const Clock& clock, SchedulerConfig config, DetectionPolicy policy,
                     std::uint64_t seed)
    : clock_(clock), config_(std::move(config)), policy_(std::move(policy)), jitter_(seed) {}

Scheduler::AggregatorState& Scheduler::aggregator(std::string_view name) {
  auto it = aggregators_.find(name);
  if (it != aggregators_.end()) return it->second;
  const AggregatorLimits& l = config_.limitsFor(name);
  return aggregators_
      .emplace(std::string(name),
               AggregatorState{RateLimiter(l.requests_per_second),
                               DailyBudget(l.daily_budget, config_.budget_reserve),
                               CircuitBreaker(config_.breaker)})
      .first->second;
}

const std::string& Scheduler::aggregatorName(std::string_view name) {
  aggregator(name);
  return aggregators_.find(name)->first;
}

const Scheduler::AggregatorState* Scheduler::findAggregator(std::string_view name) const {
  auto it = aggregators_.find(name);
  return it == aggregators_.end() ? nullptr : &it->second;
}

void Scheduler::schedule(const std::string& number, Entry& e, PollPlan plan) {
  unschedule(number, e);
  if (e.failures > 0 && e.backoff_until && *e.backoff_until > plan.due)
    plan = {*e.backoff_until, PollReason::backoff, plan.priority};
  if (e.rerun_at && *e.rerun_at <= plan.due)
    plan = {*e.rerun_at, PollReason::rerun, PollPriority::at_risk};
  e.plan = plan;
  if (due_[static_cast<std::size_t>(plan.priority)].emplace(plan.due, number).second)
    ++due_at_[plan.due];
}

void Scheduler::unschedule(const std::string& number, const Entry& e) {
  if (due_[static_cast<std::size_t>(e.plan.priority)].erase({e.plan.due, number}) == 0) return;
  auto at = due_at_.find(e.plan.due);
  if (--at->second == 0) due_at_.erase(at);
}

void Scheduler::update(const ParcelView& given) {
  if (isFinal(given.stage)) return remove(given.tracking_number);
  auto it = entries_.find(given.tracking_number);
  if (it == entries_.end()) it = entries_.emplace(given.tracking_number, Entry{}).first;
  Entry& e = it->second;
  // A caller that does not know when the number was last answered (a push
  // handler, say) must not make it look never polled.
  auto newest = [](std::optional<Timestamp> a, std::optional<Timestamp> b) {
    return a && b ? std::max(*a, *b) : a ? a : b;
  };
  e.last_polled_at = newest(e.last_polled_at, given.last_polled_at);
  // After a restart the stored last answer stands for the last query, so the
  // per-number rules hold across restarts too (the answer comes after the
  // query, so the gap is kept with room to spare).
  if (!e.quota.last() && given.last_polled_at)
    e.quota.record(config_.limitsFor(given.aggregator).per_number, *given.last_polled_at);
  e.last_push_at = newest(e.last_push_at, given.last_push_at);
  e.push_confirmed = e.push_confirmed || given.push_confirmed;
  e.aggregator = &aggregatorName(given.aggregator);
  ParcelView view = given;
  view.last_polled_at = e.last_polled_at;
  view.last_push_at = e.last_push_at;
  view.push_confirmed = e.push_confirmed;
  auto answered = newest(e.last_polled_at, e.last_push_at);
  e.risk_at.reset();
  for (const auto& c : upcomingCrossings(view, policy_))
    if ((!answered || c.at > *answered) && (!e.risk_at || c.at < *e.risk_at)) e.risk_at = c.at;
  if (e.in_flight) return;  // planned again when the answer is recorded
  if (auto plan = planPoll(view, config_, policy_, clock_.now(), jitter_))
    schedule(it->first, e, *plan);
}

void Scheduler::markPushConfirmed(std::string_view trackingNumber) {
  auto it = entries_.find(trackingNumber);
  if (it != entries_.end()) it->second.push_confirmed = true;
}

void Scheduler::remove(std::string_view trackingNumber) {
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return;
  unschedule(it->first, it->second);
  if (it->second.in_flight) --in_flight_;
  entries_.erase(it);
}

void Scheduler::dueNow(std::string_view trackingNumber) {
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end() || it->second.in_flight) return;
  PollPlan plan = it->second.plan;
  plan.due = clock_.now();
  schedule(it->first, it->second, plan);
}

bool Scheduler::inFlight(std::string_view trackingNumber) const {
  auto it = entries_.find(trackingNumber);
  return it != entries_.end() && it->second.in_flight;
}

Admit Scheduler::check(const Entry& e, PollPriority priority, Timestamp now) const {
  Admit a{true, now, DeferReason::none};
  auto later = [&](Timestamp t, DeferReason why) {
    if (t > a.deferred_until) a = {false, t, why};
  };
  const AggregatorLimits& limits = config_.limitsFor(*e.aggregator);
  if (const auto* agg = findAggregator(*e.aggregator)) {
    later(agg->breaker.earliest(now), DeferReason::breaker_open);
    later(agg->budget.earliest(priority, now), DeferReason::budget);
    later(agg->rate.earliest(now), DeferReason::rate);
  }
  if (e.failures > 0 && e.backoff_until) later(*e.backoff_until, DeferReason::backoff);
  Timestamp quota = e.quota.earliest(limits.per_number, now);
  // Both per-number rules are kept as one gap (see NumberQuota).
  if (quota > now) later(quota, DeferReason::min_gap);
  return a;
}

Admit Scheduler::admit(std::string_view trackingNumber) const {
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return {false, clock_.now(), DeferReason::not_tracked};
  return check(it->second, it->second.plan.priority, clock_.now());
}

Admit Scheduler::rerun(std::string_view trackingNumber) {
  auto it = entries_.find(trackingNumber);
  Timestamp now = clock_.now();
  if (it == entries_.end()) return {false, now, DeferReason::not_tracked};
  Entry& e = it->second;
  Admit a = check(e, PollPriority::at_risk, now);
  // The rate limit only spreads a burst of reruns over seconds.
  if (!a.ok && a.reason == DeferReason::rate) a = {true, now, DeferReason::none};
  Timestamp at = a.ok ? now : a.deferred_until;
  if (!a.ok) ++deferred_[a.reason];
  e.rerun_at = e.rerun_at ? std::min(*e.rerun_at, at) : at;
  if (!e.in_flight) schedule(it->first, e, e.plan);
  return a;
}

std::vector<DuePoll> Scheduler::pickDue(std::size_t max) {
  std::size_t taken = 0;
  return pickDue(
      std::max<std::size_t>(64, 4 * max), [&](const DuePoll&) { return taken < max && ++taken; },
      [&] { return taken >= max; });
}

std::vector<DuePoll> Scheduler::pickDue(std::size_t examine, const Accept& accept,
                                        const Full& full) {
  std::vector<DuePoll> out;
  Timestamp now = clock_.now();
  for (std::size_t p = kPriorities; p-- > 0 && examine > 0;) {
    auto& due = due_[p];
    // Walked in place: admitting or deferring a parcel moves only its own
    // node, so the next one's iterator stays valid (a node moved to a time not
    // after now is met again, within `examine`). The walk stops as soon as the
    // caller can take no more; copying every
    // candidate first, and asking about each, cost the poll loop 64 map
    // lookups and admission checks for every slot freed by an answer.
    for (auto at = due.begin(); at != due.end() && at->first <= now && examine > 0;) {
      if (full && full()) return out;
      auto next = std::next(at);
      --examine;
      auto it = entries_.find(at->second);
      at = next;
      Entry& e = it->second;
      // A threshold crossed and not answered since: the next answer may raise
      // an exception, whatever the poll was planned as.
      PollPriority priority = e.plan.priority;
      if (priority != PollPriority::at_risk && e.risk_at && *e.risk_at <= now)
        priority = PollPriority::at_risk;
      if (e.in_flight) {  // an answer that never came: the query is taken as lost
        e.in_flight = false;
        --in_flight_;
      }
      Admit a = check(e, priority, now);
      if (!a.ok) {
        ++deferred_[a.reason];
        PollPlan held = e.plan;
        held.due = a.deferred_until;
        schedule(it->first, e, held);
        continue;
      }
      DuePoll poll{it->first, *e.aggregator, e.plan.reason, priority};
      if (!accept(poll)) continue;
      AggregatorState& agg = aggregator(*e.aggregator);
      agg.breaker.onSend(now);
      agg.budget.record(now);
      const AggregatorLimits& limits = config_.limitsFor(*e.aggregator);
      agg.rate.record(
          now, 1.0 / static_cast<double>(std::max<std::size_t>(1, limits.numbers_per_request)));
      e.quota.record(limits.per_number, now);
      out.push_back(std::move(poll));
      e.rerun_at.reset();
      e.in_flight = true;
      ++in_flight_;
      // Due again if the answer never comes.
      schedule(it->first, e, {now + config_.answer_timeout, e.plan.reason, e.plan.priority});
    }
  }
  return out;
}

std::optional<Timestamp> Scheduler::nextDue() const {
  std::optional<Timestamp> next;
  for (const auto& set : due_)
    if (!set.empty() && (!next || set.begin()->first < *next)) next = set.begin()->first;
  return next;
}

void Scheduler::recordSuccess(std::string_view aggregatorName, std::string_view trackingNumber) {
  Timestamp now = clock_.now();
  aggregator(aggregatorName).breaker.onSuccess(now);
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.in_flight) --in_flight_;
  e.in_flight = false;
  e.failures = 0;
  e.backoff_until.reset();
  e.last_polled_at = now;
  if (e.risk_at && *e.risk_at <= now) e.risk_at.reset();  // answered after the crossing
}

void Scheduler::recordFailure(std::string_view aggregatorName, std::string_view trackingNumber,
                              const QueryFailure& failure) {
  Timestamp now = clock_.now();
  AggregatorState& agg = aggregator(aggregatorName);
  if (failure.kind != FailureKind::number) agg.breaker.onFailure(now);
  if (failure.kind == FailureKind::rate_limited && failure.retry_after)
    agg.rate.pauseUntil(now + std::min(*failure.retry_after, config_.backoff.max_retry_after));
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.in_flight) --in_flight_;
  e.in_flight = false;
  ++e.failures;
  e.backoff_until = now + backoffDelay(config_.backoff, e.failures, failure.retry_after, jitter_);
  schedule(it->first, e, {*e.backoff_until, PollReason::backoff, e.plan.priority});
}

std::optional<PollPlan> Scheduler::planOf(std::string_view trackingNumber) const {
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return std::nullopt;
  return it->second.plan;
}

BreakerState Scheduler::breakerState(std::string_view aggregatorName) const {
  const auto* agg = findAggregator(aggregatorName);
  return agg ? agg->breaker.state(clock_.now()) : BreakerState::closed;
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  Timestamp now = clock_.now();
  s.tracked = entries_.size();
  s.in_flight = in_flight_;
  // Summed from the earliest due time, up to a bound: stats must stay cheap
  // with a million parcels due at as many different times (after a restart).
  for (auto it = due_at_.begin(); it != due_at_.end() && it->first <= now; ++it) {
    s.due_now += it->second;
    if (s.due_now >= kDueCountLimit) break;
  }
  s.due_now = std::min(s.due_now, kDueCountLimit);
  s.deferred = deferred_;
  for (const auto& [name, agg] : aggregators_)
    s.aggregators.push_back({name, agg.breaker.state(now), agg.breaker.opened(),
                             agg.budget.usedWithin24h(now), agg.budget.limit()});
  return s;
}

void Scheduler::reconfigure(SchedulerConfig config, DetectionPolicy policy) {
  config_ = std::move(config);
  policy_ = std::move(policy);
  for (auto& [name, agg] : aggregators_) {
    const AggregatorLimits& l = config_.limitsFor(name);
    agg.rate = RateLimiter(l.requests_per_second);
    agg.budget.reconfigure(l.daily_budget, config_.budget_reserve);
  }
}

void Scheduler::pullForward(Timestamp latest) {
  std::vector<std::string> later;
  for (const auto& set : due_)
    for (auto it = set.upper_bound({latest, std::string()}); it != set.end(); ++it)
      later.push_back(it->second);
  for (const auto& number : later) {
    Entry& e = entries_.find(number)->second;
    if (e.in_flight) continue;
    PollPlan plan = e.plan;
    plan.due = latest;
    schedule(number, e, plan);
  }
}

}  // namespace pw
