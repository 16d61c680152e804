// The small rule keepers the Scheduler is built from: per-number quota,
// aggregator rate and daily budget.
#include "polling/daily_budget.h"
#include "polling/number_quota.h"
#include "polling/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

using namespace pw;
using namespace std::chrono;

namespace {
const Timestamp t0 = sys_days(year{2026} / 11 / 2) + hours(2);
const NumberLimits kKuaidi100{minutes(30), 48, hours(24)};
}  // namespace

TEST(NumberQuota, FreshNumberMayGoNow) {
  NumberQuota q;
  EXPECT_EQ(q.earliest(kKuaidi100, t0), t0);
}

// 30 min between queries would allow 49 in a closed 24 h window; one second
// more caps any window at 48 with only the last query kept.
TEST(NumberQuota, KeepsThirtyMinutesAndASecondBetweenQueries) {
  NumberQuota q;
  q.record(kKuaidi100, t0);
  EXPECT_EQ(q.earliest(kKuaidi100, t0 + minutes(10)), t0 + minutes(30) + seconds(1));
  EXPECT_EQ(q.earliest(kKuaidi100, t0 + minutes(31)), t0 + minutes(31));
  EXPECT_EQ(requiredGap(kKuaidi100), minutes(30) + seconds(1));
}

TEST(NumberQuota, NeverMoreThanTheCountInAnyWindow) {
  for (NumberLimits limits : {kKuaidi100, NumberLimits{seconds(0), 48, hours(24)}}) {
    NumberQuota q;
    std::vector<Timestamp> sent;
    for (Timestamp t = t0; t < t0 + hours(72); t += seconds(97)) {
      if (q.earliest(limits, t) > t) continue;
      q.record(limits, t);
      sent.push_back(t);
    }
    for (std::size_t i = 0; i < sent.size(); ++i) {
      auto inDay = std::count_if(sent.begin() + static_cast<std::ptrdiff_t>(i), sent.end(),
                                 [&](Timestamp t) { return t <= sent[i] + hours(24); });
      ASSERT_LE(inDay, 48) << "window starting at query " << i;
    }
    EXPECT_GE(sent.size(), 140u) << "the rules, not more than them, hold queries back";
  }
}

TEST(NumberQuota, UnlimitedWhenNoRules) {
  NumberQuota q;
  for (int i = 0; i < 100; ++i) q.record({}, t0);
  EXPECT_EQ(q.earliest({}, t0), t0);
}

TEST(RateLimiter, AllowsRatePerSecondThenWaitsForTheNextSecond) {
  RateLimiter r(3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(r.earliest(t0), t0) << i;
    r.record(t0);
  }
  EXPECT_EQ(r.earliest(t0), t0 + seconds(1));
}

TEST(RateLimiter, FractionalRateSpacesRequests) {
  RateLimiter r(0.5);
  r.record(t0);
  EXPECT_EQ(r.earliest(t0), t0 + seconds(2));
  EXPECT_EQ(r.earliest(t0 + seconds(2)), t0 + seconds(2));
}

TEST(RateLimiter, PauseHoldsEverything) {
  RateLimiter r(100);
  r.pauseUntil(t0 + minutes(5));
  EXPECT_EQ(r.earliest(t0), t0 + minutes(5));
  EXPECT_EQ(RateLimiter(0).earliest(t0), t0);
}

TEST(DailyBudget, LowerPrioritiesStopEarlierAtRiskUsesAll) {
  DailyBudget b(100, 0.3);
  EXPECT_EQ(b.capFor(PollPriority::safety_net), 70);
  EXPECT_EQ(b.capFor(PollPriority::routine), 80);
  EXPECT_EQ(b.capFor(PollPriority::watched), 90);
  EXPECT_EQ(b.capFor(PollPriority::at_risk), 100);
  for (int i = 0; i < 80; ++i) b.record(t0 + seconds(i));
  Timestamp now = t0 + minutes(5);
  EXPECT_GT(b.earliest(PollPriority::routine, now), now);
  EXPECT_EQ(b.earliest(PollPriority::watched, now), now);
  EXPECT_EQ(b.earliest(PollPriority::at_risk, now), now);
  for (int i = 80; i < 100; ++i) b.record(t0 + seconds(i));
  EXPECT_EQ(b.usedWithin24h(now), 100);
  // Full: the first query leaves the rolling day after 24 h.
  EXPECT_EQ(b.earliest(PollPriority::at_risk, now), t0 + hours(24));
  // Routine needs 21 to leave (100 used, cap 80).
  EXPECT_EQ(b.earliest(PollPriority::routine, now), t0 + seconds(20) + hours(24));
}

TEST(DailyBudget, UnlimitedByDefault) {
  DailyBudget b;
  for (int i = 0; i < 1000; ++i) b.record(t0);
  EXPECT_EQ(b.earliest(PollPriority::safety_net, t0), t0);
}

TEST(RateLimiter, SharesOfABatchCountAsOneRequest) {
  RateLimiter r(3);
  for (int i = 0; i < 120; ++i) {
    ASSERT_EQ(r.earliest(t0), t0) << i;
    r.record(t0, 1.0 / 40);
  }
  EXPECT_EQ(r.earliest(t0), t0 + seconds(1)) << "three requests of 40 numbers in a second";
}

TEST(DailyBudget, CountsQueriesWithoutALimitByTheHour) {
  DailyBudget b(0, 0.3);
  for (int i = 0; i < 5; ++i) b.record(t0 + minutes(i));
  b.record(t0 + hours(3));
  EXPECT_EQ(b.usedWithin24h(t0 + hours(3)), 6);
  EXPECT_EQ(b.usedWithin24h(t0 + hours(25)), 1) << "the first hour has left the window";
  EXPECT_EQ(b.usedWithin24h(t0 + hours(30)), 0);
}
