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
    case DeferReason::number_quota:
      return "number_quota";
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
  due_.emplace(plan.due, number);
}

void Scheduler::unschedule(const std::string& number, const Entry& e) {
  due_.erase({e.plan.due, number});
}

void Scheduler::update(const ParcelView& view) {
  if (isFinal(view.stage)) return remove(view.tracking_number);
  auto it = entries_.find(view.tracking_number);
  if (it == entries_.end()) it = entries_.emplace(view.tracking_number, Entry{}).first;
  Entry& e = it->second;
  // A caller that does not know when the number was last answered (a push
  // handler, say) must not make it look never polled.
  auto newest = [](std::optional<Timestamp> a, std::optional<Timestamp> b) {
    return a && b ? std::max(*a, *b) : a ? a : b;
  };
  auto polled = newest(e.view.last_polled_at, view.last_polled_at);
  auto pushed = newest(e.view.last_push_at, view.last_push_at);
  e.view = view;
  e.view.last_polled_at = polled;
  e.view.last_push_at = pushed;
  aggregator(view.aggregator);
  if (e.in_flight) return;  // planned again when the answer is recorded
  if (auto plan = planPoll(e.view, config_, policy_, clock_.now(), jitter_))
    schedule(it->first, e, *plan);
}

void Scheduler::remove(std::string_view trackingNumber) {
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return;
  unschedule(it->first, it->second);
  entries_.erase(it);
}

Admit Scheduler::check(const Entry& e, PollPriority priority, Timestamp now) const {
  Admit a{true, now, DeferReason::none};
  auto later = [&](Timestamp t, DeferReason why) {
    if (t > a.deferred_until) a = {false, t, why};
  };
  const AggregatorLimits& limits = config_.limitsFor(e.view.aggregator);
  if (const auto* agg = findAggregator(e.view.aggregator)) {
    later(agg->breaker.earliest(now), DeferReason::breaker_open);
    later(agg->budget.earliest(priority, now), DeferReason::budget);
    later(agg->rate.earliest(now), DeferReason::rate);
  }
  if (e.failures > 0 && e.backoff_until) later(*e.backoff_until, DeferReason::backoff);
  Timestamp quota = e.quota.earliest(limits.per_number, now);
  if (quota > now) {
    auto last = e.quota.last();
    bool gap = last && *last + limits.per_number.min_gap == quota;
    later(quota, gap ? DeferReason::min_gap : DeferReason::number_quota);
  }
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
  std::vector<DuePoll> out;
  Timestamp now = clock_.now();
  std::vector<std::string> due;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now; ++it)
    due.push_back(it->second);
  if (due.empty()) return out;
  for (const auto& number : due) {
    Entry& e = entries_.find(number)->second;
    if (e.plan.priority != PollPriority::at_risk && crossedSinceAnswered(e.view, policy_, now))
      e.plan.priority = PollPriority::at_risk;
  }
  auto rank = [&](const std::string& n) {
    const Entry& e = entries_.find(n)->second;
    return std::make_pair(-static_cast<int>(e.plan.priority), e.plan.due);
  };
  std::stable_sort(due.begin(), due.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  for (const auto& number : due) {
    if (out.size() >= max) break;
    auto it = entries_.find(number);
    Entry& e = it->second;
    // An answer that never came: the query is taken as lost.
    e.in_flight = false;
    Admit a = check(e, e.plan.priority, now);
    if (!a.ok) {
      ++deferred_[a.reason];
      PollPlan held = e.plan;
      held.due = a.deferred_until;
      schedule(it->first, e, held);
      continue;
    }
    AggregatorState& agg = aggregator(e.view.aggregator);
    agg.breaker.onSend(now);
    agg.budget.record(now);
    agg.rate.record(now);
    e.quota.record(config_.limitsFor(e.view.aggregator).per_number, now);
    out.push_back({it->first, e.view.aggregator, e.plan.reason, e.plan.priority});
    e.rerun_at.reset();
    e.in_flight = true;
    unschedule(it->first, e);
    e.plan.due = now + config_.answer_timeout;
    due_.emplace(e.plan.due, it->first);
  }
  return out;
}

std::optional<Timestamp> Scheduler::nextDue() const {
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

void Scheduler::recordSuccess(std::string_view aggregatorName, std::string_view trackingNumber) {
  Timestamp now = clock_.now();
  aggregator(aggregatorName).breaker.onSuccess(now);
  auto it = entries_.find(trackingNumber);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.in_flight = false;
  e.failures = 0;
  e.backoff_until.reset();
  e.view.last_polled_at = now;
  if (auto plan = planPoll(e.view, config_, policy_, now, jitter_)) schedule(it->first, e, *plan);
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
  for (const auto& [number, e] : entries_) {
    if (e.in_flight)
      ++s.in_flight;
    else if (e.plan.due <= now)
      ++s.due_now;
  }
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
  Timestamp now = clock_.now();
  for (auto& [number, e] : entries_) {
    if (e.in_flight) continue;
    if (auto plan = planPoll(e.view, config_, policy_, now, jitter_)) schedule(number, e, *plan);
  }
}

}  // namespace pw
