// When one parcel is due: stage cadence, threshold aims, push safety net.
#include "polling/poll_plan.h"

#include <gtest/gtest.h>

#include <set>

using namespace pw;
using namespace std::chrono;

namespace {

const Timestamp t0 = sys_days(year{2026} / 11 / 2) + hours(2);  // 10:00 in China

ParcelView inTransit(Timestamp lastScan, Timestamp answered) {
  ParcelView v;
  v.tracking_number = "YT0000000000001";
  v.carrier = "yuantong";
  v.aggregator = "kuaidi100";
  v.destination_province = "浙江省";
  v.destination_city = "杭州市";
  v.shipped_at = lastScan - hours(10);
  v.stage = ParcelStage::in_transit;
  v.last_event_kind = EventKind::departed_hub;
  v.last_event_at = lastScan;
  v.last_scan_at = lastScan;
  v.last_scan_city = "广州市";
  v.last_polled_at = answered;
  return v;
}

struct PollPlanTest : ::testing::Test {
  SchedulerConfig config;
  DetectionPolicy policy;
  Jitter jitter{42};
  std::optional<PollPlan> plan(const ParcelView& v, Timestamp now) {
    return planPoll(v, config, policy, now, jitter);
  }
};

}  // namespace

TEST_F(PollPlanTest, FinalParcelsAreNotPolled) {
  ParcelView v = inTransit(t0, t0);
  v.stage = ParcelStage::delivered;
  EXPECT_FALSE(plan(v, t0));
  v.stage = ParcelStage::returned;
  EXPECT_FALSE(plan(v, t0));
}

TEST_F(PollPlanTest, ParcelsRegisteredTogetherAreSpreadNotLockstep) {
  config.first_poll_spread = std::chrono::minutes(10);
  ParcelView v = inTransit(t0, t0);
  v.last_polled_at.reset();
  std::set<Timestamp> first;
  for (int i = 0; i < 300; ++i) {
    auto p = plan(v, t0);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->reason, PollReason::first_poll);
    EXPECT_GE(p->due, t0);
    EXPECT_LE(p->due, t0 + config.first_poll_spread);
    first.insert(p->due);
  }
  EXPECT_GT(first.size(), 200u);
  // Answered at the same second, they still go apart on the next round.
  std::set<Timestamp> next;
  for (int i = 0; i < 300; ++i) next.insert(plan(inTransit(t0, t0), t0)->due);
  EXPECT_GT(next.size(), 200u);
}

TEST_F(PollPlanTest, OutForDeliveryIsWatchedClosely) {
  ParcelView v = inTransit(t0, t0);
  v.stage = ParcelStage::out_for_delivery;
  v.last_event_kind = EventKind::out_for_delivery;
  auto p = plan(v, t0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, PollReason::cadence);
  EXPECT_GE(p->due, t0 + minutes(34));
  EXPECT_LE(p->due, t0 + minutes(46));
  EXPECT_EQ(p->priority, PollPriority::watched);
}

TEST_F(PollPlanTest, FailedAttemptIsWatchedClosely) {
  ParcelView v = inTransit(t0, t0);
  v.last_event_kind = EventKind::delivery_failed;
  auto p = plan(v, t0);
  EXPECT_LE(p->due, t0 + minutes(46));
  EXPECT_EQ(p->priority, PollPriority::watched);
}

TEST_F(PollPlanTest, ACrossedThresholdNotYetCheckedIsAtRisk) {
  ParcelView v = inTransit(t0, t0 + hours(40));
  EXPECT_FALSE(crossedSinceAnswered(v, policy, t0 + hours(47)));
  EXPECT_TRUE(crossedSinceAnswered(v, policy, t0 + hours(48)));
  v.last_polled_at = t0 + hours(49);
  EXPECT_FALSE(crossedSinceAnswered(v, policy, t0 + hours(50)));
  // Never answered, shipped 25 h ago: not_picked_up is due for its check.
  ParcelView fresh = inTransit(t0, t0);
  fresh.stage = ParcelStage::awaiting_pickup;
  fresh.shipped_at = t0;
  fresh.last_polled_at.reset();
  EXPECT_TRUE(crossedSinceAnswered(fresh, policy, t0 + hours(25)));
}

TEST_F(PollPlanTest, MiddleOfATrunkLegIsPolledSparselyAndItsEndAgainDensely) {
  // 10 h after the departure scan: the quiet middle of a trunk leg.
  auto p = plan(inTransit(t0, t0 + hours(10)), t0 + hours(10));
  ASSERT_TRUE(p);
  EXPECT_GE(p->due, t0 + hours(14));
  // ...but no later than a little into the denser step at 18 h.
  EXPECT_LE(p->due, t0 + hours(20));
  EXPECT_EQ(p->reason, PollReason::cadence);
  // Just after a hub scan: every 2 h.
  auto fresh = plan(inTransit(t0, t0 + hours(1)), t0 + hours(1));
  EXPECT_GE(fresh->due, t0 + hours(1) + minutes(102));
  EXPECT_LE(fresh->due, t0 + hours(1) + minutes(138));
}

TEST_F(PollPlanTest, InTheDestinationCityItIsWatched) {
  ParcelView v = inTransit(t0, t0 + hours(1));
  v.last_scan_city = "杭州";  // same city as 杭州市
  auto p = plan(v, t0 + hours(1));
  EXPECT_LE(p->due, t0 + hours(1) + minutes(58));
  EXPECT_EQ(p->priority, PollPriority::watched);
}

TEST_F(PollPlanTest, AtTheBranchDenseInDeliveryRoundsSparseOutside) {
  ParcelView v = inTransit(t0, t0);
  v.last_event_kind = EventKind::arrived_delivery_station;
  // 10:00 local: inside the morning round.
  auto in = plan(v, t0);
  EXPECT_LE(in->due, t0 + minutes(58));
  // 23:00 local: the 3 h cadence, not every 50 min.
  Timestamp night = t0 + hours(13);
  v.last_polled_at = night;
  auto out = plan(v, night);
  EXPECT_GE(out->due, night + minutes(150));
}

TEST_F(PollPlanTest, AimsJustAfterTheStallThresholdInsteadOfPollingHourly) {
  // Last scan 47 h ago, just answered: nothing to learn before the stall
  // threshold (48 h) but the crossing itself.
  Timestamp scan = t0;
  Timestamp now = t0 + hours(47);
  ParcelView v = inTransit(scan, now);
  auto p = plan(v, now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, PollReason::threshold);
  EXPECT_EQ(p->priority, PollPriority::at_risk);
  EXPECT_GE(p->due, scan + hours(48) + config.aim_delay);
  EXPECT_LE(p->due, scan + hours(48) + config.aim_delay + config.aim_spread);
  // Answered after the crossing: it is known, no aim any more.
  v.last_polled_at = scan + hours(49);
  EXPECT_NE(plan(v, scan + hours(49))->reason, PollReason::threshold);
}

TEST_F(PollPlanTest, AimFollowsProvinceFactorAndHolidays) {
  ParcelView v = inTransit(t0, t0 + hours(47));
  v.destination_province = "新疆维吾尔自治区";  // x1.5: 72 h
  auto crossings = upcomingCrossings(v, policy);
  ASSERT_EQ(crossings.size(), 1u);
  EXPECT_EQ(crossings[0].kind, ExceptionKind::stalled);
  EXPECT_EQ(crossings[0].at, t0 + hours(72));
  v.destination_province = "浙江省";
  policy.holidays = {{t0 + hours(10), t0 + hours(34)}};  // a day of holiday inside the gap
  EXPECT_EQ(upcomingCrossings(v, policy)[0].at, t0 + hours(72));
}

TEST_F(PollPlanTest, AimsAtEveryStagesThreshold) {
  ParcelView v = inTransit(t0, t0);
  v.stage = ParcelStage::awaiting_pickup;
  v.shipped_at = t0;
  EXPECT_EQ(upcomingCrossings(v, policy)[0].kind, ExceptionKind::not_picked_up);
  EXPECT_EQ(upcomingCrossings(v, policy)[0].at, t0 + hours(24));
  v.no_result = true;
  EXPECT_EQ(upcomingCrossings(v, policy)[0].kind, ExceptionKind::invalid_number);
  v.stage = ParcelStage::out_for_delivery;
  v.last_event_kind = EventKind::out_for_delivery;
  EXPECT_EQ(upcomingCrossings(v, policy)[0].kind, ExceptionKind::delivery_overdue);
  v.stage = ParcelStage::awaiting_collection;
  v.stored_at = t0 + hours(1);
  EXPECT_EQ(upcomingCrossings(v, policy)[0].at, t0 + hours(49));
  v.stage = ParcelStage::in_transit;
  v.promised_by = t0 + hours(30);
  auto c = upcomingCrossings(v, policy);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].at, t0 + hours(6));  // promise_margin before
  EXPECT_EQ(c[2].at, t0 + hours(30));
}

TEST_F(PollPlanTest, PushSubscribedParcelIsOnlyASafetyNet) {
  ParcelView v = inTransit(t0, t0 + hours(1));
  v.push_confirmed = true;
  v.last_push_at = t0 + hours(1);
  auto p = plan(v, t0 + hours(1));
  EXPECT_EQ(p->reason, PollReason::safety_net);
  EXPECT_EQ(p->priority, PollPriority::safety_net);
  EXPECT_GE(p->due, t0 + hours(1) + hours(10));
  // ...but a threshold crossing still gets its poll: no push comes for silence.
  v.last_polled_at = v.last_push_at = t0 + hours(45);
  auto aim = plan(v, t0 + hours(45));
  EXPECT_EQ(aim->reason, PollReason::threshold);
  EXPECT_LE(aim->due, t0 + hours(48) + minutes(5));
}
