#include "replay/strategies.h"

#include "model/parcel_stage.h"
#include "polling/scheduler.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <random>

namespace pw::replay {

namespace {

struct SimClock final : Clock {
  Timestamp t;
  Timestamp now() const override { return t; }
};

/// What the aggregator does with one query.
class FailureModel {
 public:
  explicit FailureModel(const WorldSettings& w) : w_(w), rng_(w.seed) {}
  std::optional<QueryFailure> query(const std::string& aggregator, Timestamp t) {
    double u = std::uniform_real_distribution<>(0, 1)(rng_);
    if (aggregator == "kuaidi100" && t >= w_.outage_from && t < w_.outage_to)
      return QueryFailure{FailureKind::transient, std::nullopt};
    if (u < w_.rate_limited) return QueryFailure{FailureKind::rate_limited, w_.retry_after};
    if (u < w_.rate_limited + w_.transient_failure)
      return QueryFailure{FailureKind::transient, std::nullopt};
    return std::nullopt;
  }

 private:
  const WorldSettings& w_;
  std::mt19937_64 rng_;
};

bool finalAt(const SimParcel& p, std::size_t known) {
  Timeline seen(p.truth.begin(), p.truth.begin() + static_cast<std::ptrdiff_t>(known));
  return isFinal(stageOf(seen));
}

template <class T>
using MinHeap = std::priority_queue<T, std::vector<T>, std::greater<T>>;

}  // namespace

RunResult runFixedHourly(const std::vector<SimParcel>& parcels,
                         const std::vector<std::vector<Episode>>& truth, const WorldSettings& w) {
  RunResult r;
  r.name = "fixed hourly";
  Observer observer(parcels, truth, w.policy);
  RuleChecker checker(w.rules);
  FailureModel failures(w);
  MinHeap<std::pair<Timestamp, std::size_t>> due;
  for (std::size_t i = 0; i < parcels.size(); ++i) due.emplace(parcels[i].parcel.shipped_at, i);
  // Today's loop sends as fast as max_in_flight allows; here as fast as the
  // aggregator's rate, so the comparison is about what is polled, not bursts.
  Timestamp second{};
  std::map<std::string, std::int64_t> sentThisSecond;
  while (!due.empty()) {
    auto [t, i] = due.top();
    if (t >= w.end) break;
    due.pop();
    if (t > second) {
      second = t;
      sentThisSecond.clear();
    }
    t = second;
    const SimParcel& p = parcels[i];
    double rate = w.rules.limitsFor(p.aggregator).requests_per_second;
    auto& sent = sentThisSecond[p.aggregator];
    if (rate > 0 && static_cast<double>(sent) >= std::ceil(rate)) {
      due.emplace(t + Seconds(1), i);
      continue;
    }
    ++sent;
    ++r.queries;
    checker.query(p.aggregator, p.parcel.tracking_number, t);
    if (auto f = failures.query(p.aggregator, t)) {
      ++r.failed_queries;
      Seconds retry = std::chrono::minutes(5);  // poll.retry_after_failure
      if (f->retry_after) retry = std::max(retry, *f->retry_after);
      due.emplace(t + retry, i);
      continue;
    }
    auto seen = observer.answer(i, t);
    if (!finalAt(p, seen.known)) due.emplace(t + std::chrono::hours(1), i);
  }
  r.kinds = observer.delays();
  r.violations = checker.violations();
  r.peak_kuaidi100_24h = checker.peak24h("kuaidi100");
  return r;
}

RunResult runAdaptive(const std::string& name, const std::vector<SimParcel>& parcels,
                      const std::vector<std::vector<Episode>>& truth, const WorldSettings& w,
                      const SchedulerConfig& config, bool usePushes) {
  RunResult r;
  r.name = name;
  Observer observer(parcels, truth, w.policy);
  RuleChecker checker(w.rules);
  FailureModel failures(w);
  SimClock clock;
  Scheduler scheduler(clock, config, w.policy, w.seed);

  // The aggregator pushes the whole history when a new event appears, a few
  // minutes later, and loses some pushes; none after the parcel is final.
  MinHeap<std::pair<Timestamp, std::size_t>> pushes;
  std::mt19937_64 rng(w.seed + 1);
  std::uniform_real_distribution<> unit(0, 1);
  for (std::size_t i = 0; usePushes && i < parcels.size(); ++i) {
    const SimParcel& p = parcels[i];
    if (!p.push_confirmed) continue;
    for (std::size_t e = 0; e < p.truth.size(); ++e) {
      if (unit(rng) >= w.push_loss)
        pushes.emplace(p.truth[e].time + Seconds(static_cast<Seconds::rep>(
                                             unit(rng) * double(w.push_latency_max.count()))),
                       i);
      if (finalAt(p, e + 1)) break;
    }
  }

  struct Known {
    std::optional<Timestamp> polled, pushed;
    std::size_t events = 0;
    std::vector<ExceptionKind> open;
    bool final = false;
  };
  std::vector<Known> known(parcels.size());
  auto viewOf = [&](std::size_t i) {
    const SimParcel& p = parcels[i];
    Timeline seen(p.truth.begin(), p.truth.begin() + static_cast<std::ptrdiff_t>(known[i].events));
    ParcelView v = makeParcelView(p.parcel, seen, p.aggregator);
    v.no_result = known[i].polled && seen.empty();
    v.open_exceptions = known[i].open;
    v.push_confirmed = usePushes && p.push_confirmed;
    v.last_push_at = known[i].pushed;
    v.last_polled_at = known[i].polled;
    return v;
  };
  auto learn = [&](std::size_t i, Timestamp t) {
    auto seen = observer.answer(i, t);
    known[i].events = seen.known;
    known[i].open = std::move(seen.open);
    known[i].final = finalAt(parcels[i], seen.known);
    if (known[i].final)
      scheduler.remove(parcels[i].parcel.tracking_number);
    else
      scheduler.update(viewOf(i));
  };

  std::size_t nextRegistration = 0;
  Timestamp t = parcels.front().parcel.shipped_at;
  while (t < w.end) {
    clock.t = t;
    for (; nextRegistration < parcels.size() && parcels[nextRegistration].parcel.shipped_at <= t;
         ++nextRegistration)
      scheduler.update(viewOf(nextRegistration));
    while (!pushes.empty() && pushes.top().first <= t) {
      std::size_t i = pushes.top().second;
      pushes.pop();
      if (known[i].final) continue;
      ++r.pushes;
      known[i].pushed = t;
      learn(i, t);
    }
    for (const auto& poll : scheduler.pickDue(SIZE_MAX)) {
      std::size_t i = static_cast<std::size_t>(std::stoll(poll.tracking_number.substr(3)) -
                                               1);  // SIM000000000042 -> 41
      const SimParcel& p = parcels[i];
      ++r.queries;
      {
        ParcelView v = viewOf(i);
        std::string phase(toString(v.stage));
        if (v.last_event_kind) phase += "/" + std::string(toString(*v.last_event_kind));
        ++r.by_reason[std::string(toString(poll.reason)) + " " + phase +
                      (v.push_confirmed ? " push" : "")];
      }
      checker.query(p.aggregator, p.parcel.tracking_number, t);
      if (auto f = failures.query(p.aggregator, t)) {
        ++r.failed_queries;
        scheduler.recordFailure(p.aggregator, p.parcel.tracking_number, *f);
        continue;
      }
      known[i].polled = t;
      scheduler.recordSuccess(p.aggregator, p.parcel.tracking_number);
      learn(i, t);
    }
    Timestamp next = w.end;
    if (nextRegistration < parcels.size())
      next = std::min(next, parcels[nextRegistration].parcel.shipped_at);
    if (!pushes.empty()) next = std::min(next, pushes.top().first);
    if (auto d = scheduler.nextDue()) next = std::min(next, *d);
    t = std::max(next, t + Seconds(1));
  }
  r.kinds = observer.delays();
  r.violations = checker.violations();
  r.peak_kuaidi100_24h = checker.peak24h("kuaidi100");
  for (const auto& a : scheduler.stats().aggregators) r.breaker_opened += a.breaker_opened;
  return r;
}

}  // namespace pw::replay
