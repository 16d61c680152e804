#include "detection/detector.h"
#include "detection/rules.h"
#include "model/parcel_stage.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

TrackingEvent ev(const std::string& utc, EventKind kind, const std::string& text = "scan") {
  TrackingEvent e;
  e.time = at(utc);
  e.kind = kind;
  e.description = text;
  return e;
}

struct Fixture {
  Parcel parcel = test::sampleParcel("YT1234567890123", "2024-05-01T02:00:00Z");
  DetectionPolicy policy;
  Timeline timeline;
  std::vector<Finding> at(const std::string& now) {
    RuleInput in{parcel, timeline, stageOf(timeline), policy, test::at(now)};
    // Only the two rules under test; the others have their own tests.
    std::vector<Finding> out;
    for (auto& f : detect(in))
      if (f.kind == ExceptionKind::stalled || f.kind == ExceptionKind::not_picked_up)
        out.push_back(f);
    return out;
  }
};

}  // namespace

TEST(StallRule, InTransitWithoutNewScanForTheThreshold) {
  Fixture f;
  f.timeline = {ev("2024-05-01T04:00:00Z", EventKind::picked_up),
                ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "到达杭州转运中心")};
  EXPECT_TRUE(f.at("2024-05-03T11:59:59Z").empty());  // 47:59:59 after the last scan
  auto found = f.at("2024-05-03T12:00:00Z");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, ExceptionKind::stalled);
  EXPECT_EQ(found[0].since, at("2024-05-03T12:00:00Z"));
  EXPECT_EQ(found[0].elapsed, hours(48));
  EXPECT_EQ(found[0].threshold, hours(48));
  ASSERT_EQ(found[0].evidence.size(), 1u);
  EXPECT_EQ(found[0].evidence[0].description, "到达杭州转运中心");
  EXPECT_EQ(found[0].detail, "in transit, no new scan for 2d (threshold 2d)");
}

TEST(StallRule, ThresholdComesFromPolicy) {
  Fixture f;
  f.policy.stalled_after = hours(72);
  f.timeline = {ev("2024-05-01T04:00:00Z", EventKind::picked_up)};
  EXPECT_TRUE(f.at("2024-05-03T04:00:00Z").empty());
  EXPECT_EQ(f.at("2024-05-04T04:00:00Z").size(), 1u);
}

TEST(StallRule, OtherStagesAreNotStalls) {
  Fixture f;
  f.timeline = {ev("2024-05-01T04:00:00Z", EventKind::picked_up),
                ev("2024-05-01T08:00:00Z", EventKind::out_for_delivery)};
  EXPECT_TRUE(f.at("2024-05-10T00:00:00Z").empty());
  f.timeline.push_back(ev("2024-05-01T09:00:00Z", EventKind::signed_));
  EXPECT_TRUE(f.at("2024-05-10T00:00:00Z").empty());
  f.timeline = {ev("2024-05-01T04:00:00Z", EventKind::stored_for_pickup)};
  EXPECT_TRUE(f.at("2024-05-10T00:00:00Z").empty());
}

TEST(StallRule, MovementClearsIt) {
  Fixture f;
  f.timeline = {ev("2024-05-01T04:00:00Z", EventKind::picked_up)};
  EXPECT_EQ(f.at("2024-05-04T00:00:00Z").size(), 1u);
  f.timeline.push_back(ev("2024-05-03T23:00:00Z", EventKind::departed_hub));
  EXPECT_TRUE(f.at("2024-05-04T00:00:00Z").empty());
}

TEST(NotPickedUpRule, NoPhysicalScanADayAfterShipping) {
  Fixture f;  // shipped 2024-05-01T02:00:00Z
  EXPECT_TRUE(f.at("2024-05-02T01:59:59Z").empty());
  auto found = f.at("2024-05-02T02:00:00Z");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, ExceptionKind::not_picked_up);
  EXPECT_EQ(found[0].since, at("2024-05-02T02:00:00Z"));
  // Order data alone is not a pickup.
  f.timeline = {ev("2024-05-01T03:00:00Z", EventKind::info_received)};
  found = f.at("2024-05-02T06:00:00Z");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].evidence.size(), 1u);
  // A pickup scan, however late, ends it; the stall rule takes over.
  f.timeline.push_back(ev("2024-05-02T05:00:00Z", EventKind::picked_up));
  EXPECT_TRUE(f.at("2024-05-02T06:00:00Z").empty());
}
