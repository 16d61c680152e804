// The Scheduler as the poll loop will drive it: quotas no path can break,
// budget priority, backoff, Retry-After, the breaker, reruns.
#include "polling/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>

using namespace pw;
using namespace std::chrono;

namespace {

const Timestamp t0 = sys_days(year{2026} / 11 / 2) + hours(2);

struct ManualClock final : Clock {
  Timestamp t = t0;
  Timestamp now() const override { return t; }
};

ParcelView parcel(const std::string& number, ParcelStage stage = ParcelStage::in_transit,
                  std::string aggregator = "kuaidi100") {
  ParcelView v;
  v.tracking_number = number;
  v.carrier = "zhongtong";
  v.aggregator = std::move(aggregator);
  v.destination_city = "杭州市";
  v.shipped_at = t0 - hours(5);
  v.stage = stage;
  v.last_event_kind = EventKind::departed_hub;
  v.last_event_at = v.last_scan_at = t0 - hours(1);
  v.last_scan_city = "广州市";
  return v;
}

std::vector<std::string> numbers(const std::vector<DuePoll>& polls) {
  std::vector<std::string> out;
  for (const auto& p : polls) out.push_back(p.tracking_number);
  return out;
}

struct SchedulerTest : ::testing::Test {
  ManualClock clock;
  SchedulerConfig config;
  Scheduler make() { return Scheduler(clock, config, DetectionPolicy{}, 7); }
};

}  // namespace

TEST_F(SchedulerTest, NewParcelIsPolledWithinTheFirstPollSpread) {
  config.first_poll_spread = std::chrono::minutes(10);
  Scheduler s = make();
  s.update(parcel("A"));
  EXPECT_TRUE(s.pickDue(10).empty() || s.nextDue() <= t0 + config.first_poll_spread);
  clock.t = t0 + config.first_poll_spread;
  auto due = s.pickDue(10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].reason, PollReason::first_poll);
  EXPECT_EQ(due[0].aggregator, "kuaidi100");
}

TEST_F(SchedulerTest, FinalParcelLeavesTheSchedule) {
  Scheduler s = make();
  s.update(parcel("A"));
  s.update(parcel("A", ParcelStage::delivered));
  EXPECT_FALSE(s.nextDue());
  EXPECT_EQ(s.admit("A").reason, DeferReason::not_tracked);
}

TEST_F(SchedulerTest, RerunWithinThirtyMinutesIsDeferredAndSaysUntilWhen) {
  Scheduler s = make();
  s.update(parcel("A"));
  clock.t = t0 + hours(1);
  ASSERT_EQ(s.pickDue(10).size(), 1u);
  s.recordSuccess("kuaidi100", "A");
  s.update(parcel("A"));
  clock.t += minutes(10);
  Admit a = s.rerun("A");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, DeferReason::min_gap);
  EXPECT_EQ(a.deferred_until, t0 + hours(1) + minutes(30) + seconds(1));
  EXPECT_EQ(s.planOf("A")->due, a.deferred_until);
  EXPECT_EQ(s.planOf("A")->reason, PollReason::rerun);
  clock.t = a.deferred_until;
  auto due = s.pickDue(10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].reason, PollReason::rerun);
  EXPECT_EQ(due[0].priority, PollPriority::at_risk);
}

TEST_F(SchedulerTest, RerunOfAKuaidiniaoNumberGoesAtOnce) {
  Scheduler s = make();
  s.update(parcel("K", ParcelStage::in_transit, "kuaidiniao"));
  clock.t = t0 + hours(1);
  ASSERT_EQ(s.pickDue(10).size(), 1u);
  s.recordSuccess("kuaidiniao", "K");
  Admit a = s.rerun("K");
  EXPECT_TRUE(a.ok);
  EXPECT_EQ(numbers(s.pickDue(10)), std::vector<std::string>{"K"});
}

// Property: whatever mix of polls, pushes, reruns, failures and 429s, no
// Kuaidi100 number is ever queried twice within 30 min or more than 48 times
// in 24 h, and the aggregator never gets more than its rate in a second.
TEST_F(SchedulerTest, KuaidiRulesHoldOverRandomSequencesIncludingReruns) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    config.aggregators["kuaidi100"].requests_per_second = 2;
    clock.t = t0;
    Scheduler s(clock, config, DetectionPolicy{}, seed);
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    const int kNumbers = 12;
    std::map<std::string, std::deque<Timestamp>> sent;
    std::map<Timestamp, int> perSecond;
    for (int i = 0; i < kNumbers; ++i) {
      auto v = parcel("N" + std::to_string(i));
      v.stage = static_cast<ParcelStage>(pick(4));
      v.last_event_kind = pick(2) ? EventKind::out_for_delivery : EventKind::delivery_failed;
      s.update(v);
    }
    for (int step = 0; step < 3000; ++step) {
      clock.t += seconds(pick(4) == 0 ? pick(3600) : pick(120));
      std::string n = "N" + std::to_string(pick(kNumbers));
      switch (pick(6)) {
        case 0:
          s.rerun(n);
          break;
        case 1: {
          auto v = parcel(n, ParcelStage::out_for_delivery);
          v.last_push_at = clock.t;
          v.push_confirmed = pick(2);
          s.update(v);
          break;
        }
        default:
          break;
      }
      for (const auto& p : s.pickDue(100)) {
        auto& q = sent[p.tracking_number];
        ASSERT_TRUE(q.empty() || clock.t - q.back() >= minutes(30))
            << "seed " << seed << " " << p.tracking_number;
        q.push_back(clock.t);
        while (q.front() <= clock.t - hours(24)) q.pop_front();
        ASSERT_LE(q.size(), 48u) << "seed " << seed;
        ASSERT_LE(++perSecond[clock.t], 2) << "seed " << seed;
        switch (pick(5)) {
          case 0:
            s.recordFailure(p.aggregator, p.tracking_number, {FailureKind::transient, {}});
            break;
          case 1:
            s.recordFailure(p.aggregator, p.tracking_number,
                            {FailureKind::rate_limited, seconds(pick(600))});
            break;
          default:
            s.recordSuccess(p.aggregator, p.tracking_number);
        }
      }
    }
    std::size_t total = 0;
    for (const auto& [n, q] : sent) total += q.size();
    EXPECT_GT(total, 0u);
  }
}

TEST_F(SchedulerTest, ShortBudgetServesTheParcelsMostAtRiskFirst) {
  config.aggregators["kuaidi100"].daily_budget = 10;  // routine may use 8, at-risk all 10
  config.budget_reserve = 0.3;
  Scheduler s = make();
  for (int i = 0; i < 10; ++i) {
    auto v = parcel("R" + std::to_string(i));
    v.last_polled_at = t0 - hours(10);  // middle of a trunk leg: routine
    v.last_scan_at = v.last_event_at = t0 - hours(12);
    s.update(v);
  }
  for (int i = 0; i < 4; ++i) {
    auto v = parcel("F" + std::to_string(i));
    v.last_polled_at = t0 + hours(1);
    v.last_scan_at = v.last_event_at = t0 - hours(37);  // stalled at t0 + 11 h: at risk
    s.update(v);
  }
  clock.t = t0 + hours(12);
  auto due = s.pickDue(100);
  ASSERT_EQ(due.size(), 8u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(due[i].tracking_number[0], 'F') << i;
    EXPECT_EQ(due[i].priority, PollPriority::at_risk);
  }
  // 4 at-risk, then routine up to its share of the budget (8 in all)... and
  // the rest of the budget stays for at-risk polls.
  int routine = 0;
  for (const auto& d : due) routine += d.tracking_number[0] == 'R';
  EXPECT_EQ(routine, 4);
  Admit held = s.admit("R9");
  EXPECT_FALSE(held.ok);
  EXPECT_EQ(held.reason, DeferReason::budget);
  EXPECT_EQ(s.stats().aggregators.at(0).queries_24h, 8);
}

TEST_F(SchedulerTest, FailureBacksOffWithJitterAndGrows) {
  Scheduler s = make();
  s.update(parcel("A", ParcelStage::in_transit, "kuaidiniao"));  // no per-number gap
  clock.t = t0 + hours(1);
  Seconds step = config.backoff.base;
  for (int failure = 1; failure <= 5; ++failure) {
    ASSERT_EQ(s.pickDue(10).size(), 1u) << failure;
    s.recordFailure("kuaidiniao", "A", {FailureKind::number, {}});
    auto plan = s.planOf("A");
    EXPECT_EQ(plan->reason, PollReason::backoff);
    EXPECT_GE(plan->due, clock.t + step / 2) << failure;
    EXPECT_LE(plan->due, clock.t + step) << failure;
    clock.t = plan->due;
    step *= 2;
  }
  EXPECT_EQ(s.breakerState("kuaidiniao"), BreakerState::closed);  // number failures only
  ASSERT_EQ(s.pickDue(10).size(), 1u);
  s.recordSuccess("kuaidiniao", "A");
  s.update(parcel("A", ParcelStage::in_transit, "kuaidiniao"));
  EXPECT_NE(s.planOf("A")->reason, PollReason::backoff);
}

TEST_F(SchedulerTest, RetryAfterHoldsTheNumberAndPausesTheAggregator) {
  Scheduler s = make();
  s.update(parcel("A"));
  s.update(parcel("B"));
  clock.t = t0 + hours(1);
  auto due = s.pickDue(1);
  ASSERT_EQ(due.size(), 1u);
  s.recordFailure("kuaidi100", due[0].tracking_number, {FailureKind::rate_limited, hours(2)});
  EXPECT_GE(s.planOf(due[0].tracking_number)->due, clock.t + hours(2));
  std::string other = due[0].tracking_number == "A" ? "B" : "A";
  Admit a = s.admit(other);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, DeferReason::rate);
  EXPECT_EQ(a.deferred_until, clock.t + hours(2));
}

TEST_F(SchedulerTest, BreakerOpensOnARunOfFailuresAndProbesWhenHalfOpen) {
  config.aggregators["kuaidi100"].per_number = {};  // let the breaker be the only rule
  // Backoff (at least half of base) outlasts the breaker's open + two probes.
  config.backoff.base = std::chrono::minutes(10);
  Scheduler s = make();
  for (int i = 0; i < 10; ++i) s.update(parcel("P" + std::to_string(i)));
  clock.t = t0 + hours(1);
  auto due = s.pickDue(5);
  ASSERT_EQ(due.size(), 5u);
  for (const auto& d : due)
    s.recordFailure(d.aggregator, d.tracking_number, {FailureKind::transient, {}});
  EXPECT_EQ(s.breakerState("kuaidi100"), BreakerState::open);
  EXPECT_TRUE(s.pickDue(10).empty());
  EXPECT_EQ(s.stats().deferred.at(DeferReason::breaker_open), 5);
  clock.t += config.breaker.open_for;
  EXPECT_EQ(s.breakerState("kuaidi100"), BreakerState::half_open);
  auto probe = s.pickDue(10);
  ASSERT_EQ(probe.size(), 1u);
  s.recordSuccess("kuaidi100", probe[0].tracking_number);
  // The others were held while the probe was out (at most probe_timeout).
  clock.t += config.breaker.probe_timeout;
  auto second = s.pickDue(10);
  ASSERT_EQ(second.size(), 1u);
  s.recordSuccess("kuaidi100", second[0].tracking_number);
  EXPECT_EQ(s.breakerState("kuaidi100"), BreakerState::closed);
  clock.t += config.breaker.probe_timeout;
  EXPECT_EQ(s.pickDue(10).size(), 3u);  // the 3 never tried; the 5 that failed back off
  EXPECT_EQ(s.stats().aggregators.at(0).breaker_opened, 1);
}

TEST_F(SchedulerTest, PushSubscribedParcelWaitsForPushes) {
  Scheduler s = make();
  auto v = parcel("A");
  v.push_confirmed = true;
  v.last_push_at = v.last_polled_at = t0;
  s.update(v);
  auto plan = s.planOf("A");
  EXPECT_EQ(plan->reason, PollReason::safety_net);
  EXPECT_GE(plan->due, t0 + hours(10));
  // A push resets the safety net; a later update without poll time keeps the old one.
  clock.t = t0 + hours(5);
  v.last_push_at = clock.t;
  v.last_polled_at.reset();
  s.update(v);
  EXPECT_GE(s.planOf("A")->due, clock.t + hours(10));
}

TEST_F(SchedulerTest, AnswerThatNeverComesMakesTheParcelDueAgain) {
  Scheduler s = make();
  s.update(parcel("A", ParcelStage::in_transit, "kuaidiniao"));
  clock.t = t0 + hours(1);
  ASSERT_EQ(s.pickDue(10).size(), 1u);
  EXPECT_EQ(s.stats().in_flight, 1u);
  clock.t += config.answer_timeout;
  EXPECT_EQ(s.pickDue(10).size(), 1u);
}

// `status` shows how many parcels are due: those whose time came, whatever
// their priority, not those taken or planned later, and at most
// kDueCountLimit however many are due.
TEST_F(SchedulerTest, DueCountFollowsTheScheduleAndIsBounded) {
  config.first_poll_spread = std::chrono::minutes(10);
  Scheduler s = make();
  for (int i = 0; i < 5; ++i)
    s.update(parcel("K" + std::to_string(i), ParcelStage::in_transit, "kuaidiniao"));
  s.update(parcel("OUT", ParcelStage::out_for_delivery, "kuaidiniao"));
  std::size_t dueAtOnce = 0;  // the first polls are spread: some may be due at once
  for (const std::string n : {"K0", "K1", "K2", "K3", "K4", "OUT"})
    if (s.planOf(n)->due <= t0) ++dueAtOnce;
  EXPECT_EQ(s.stats().due_now, dueAtOnce);
  clock.t = t0 + config.first_poll_spread;
  EXPECT_EQ(s.stats().due_now, 6u);
  auto taken = numbers(s.pickDue(2));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(s.stats().due_now, 4u) << "taken ones are due again only if no answer comes";
  std::size_t left = 4;
  for (const std::string n : {"K4", "OUT"}) {
    if (std::find(taken.begin(), taken.end(), n) == taken.end()) --left;
    s.remove(n);
  }
  EXPECT_EQ(s.stats().due_now, left);
  for (std::size_t i = 0; i < kDueCountLimit + 5; ++i) {
    s.update(parcel("M" + std::to_string(i), ParcelStage::in_transit, "kuaidiniao"));
    if (i % 1000 == 0) clock.t += seconds(1);  // many different due times
  }
  clock.t += config.first_poll_spread;
  EXPECT_EQ(s.stats().due_now, kDueCountLimit);
}

TEST_F(SchedulerTest, PickingStopsOnceTheCallerIsFull) {
  // One slot freed by an answer: the loop asks for one parcel among thousands
  // due, and the rest are neither looked at nor moved.
  Scheduler s = make();
  for (int i = 0; i < 200; ++i) s.update(parcel("P" + std::to_string(i)));
  clock.t = t0 + hours(1);
  int asked = 0;
  std::size_t slots = 1;
  auto due = s.pickDue(
      64,
      [&](const DuePoll&) {
        ++asked;
        return slots > 0 && slots-- > 0;
      },
      [&] { return slots == 0; });
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(asked, 1);
  std::size_t stillDue = 0;
  for (int i = 0; i < 200; ++i)
    if (auto plan = s.planOf("P" + std::to_string(i)); plan && plan->due <= clock.t) ++stillDue;
  EXPECT_EQ(stillDue, 199u);
  EXPECT_TRUE(s.stats().deferred.empty());  // none was checked against the rate and held
}
