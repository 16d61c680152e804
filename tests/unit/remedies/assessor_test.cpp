#include "remedies/assessor.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

AssessmentRules rules() {
  AssessmentRules r;
  r.templates.set(
      ExceptionKind::stalled,
      {"包裹{tracking_number}最后一条物流信息是{last_scan_time}在「{last_scan_place}」，已{elapsed_"
       "hours}小时未更新（{carrier_name}）",
       "{carrier_name} parcel {tracking_number}: last scan {last_scan_time} at {last_scan_place}"});
  return r;
}

TrackingEvent scan(const std::string& utc, EventKind kind, std::string text,
                   std::string area = "") {
  TrackingEvent e;
  e.time = at(utc);
  e.kind = kind;
  e.description = std::move(text);
  e.location = std::move(area);
  return e;
}

}  // namespace

TEST(Assessor, StalledMessageNamesLastScanTimeAndPlace) {
  auto parcel = test::sampleParcel();
  Timeline t = {scan("2024-05-01T04:00:00Z", EventKind::picked_up, "【广州市】 已揽收"),
                scan("2024-05-01T10:40:00Z", EventKind::arrived_hub,
                     "【杭州市】 快件已到达 杭州转运中心", "浙江省杭州市")};
  auto a = assess(parcel, t, {}, rules(), at("2024-05-03T23:40:00Z"));
  EXPECT_EQ(a.stage, ParcelStage::in_transit);
  ASSERT_EQ(a.issues.size(), 1u);
  EXPECT_EQ(a.issues[0].message.zh_cn,
            "包裹YT1234567890123最后一条物流信息是2024-05-01 18:40在「浙江省杭州市 "
            "杭州转运中心」，已61小时未更新（圆通速递）");
  EXPECT_EQ(a.issues[0].message.en,
            "YTO Express parcel YT1234567890123: last scan 2024-05-01 18:40 at 浙江省杭州市 "
            "杭州转运中心");
  EXPECT_EQ(a.issues[0].suggestion.remedy, Remedy::soothe_and_wait);
}

TEST(Assessor, StallRemedyEscalatesWithTheGap) {
  auto parcel = test::sampleParcel();
  Timeline t = {scan("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收")};
  auto remedyAt = [&](const std::string& now) {
    return assess(parcel, t, {}, rules(), at(now)).issues.at(0).suggestion.remedy;
  };
  EXPECT_EQ(remedyAt("2024-05-03T04:00:00Z"), Remedy::soothe_and_wait);  // 48 h
  EXPECT_EQ(remedyAt("2024-05-05T04:00:00Z"), Remedy::contact_carrier);  // 96 h
  EXPECT_EQ(remedyAt("2024-05-08T04:00:00Z"), Remedy::reship);           // 7 days: presumed lost
}

TEST(Assessor, CarrierFinalStateWins) {
  auto parcel = test::sampleParcel();
  Timeline t = {scan("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收")};
  auto a =
      assess(parcel, t, AssessContext{ParcelStage::delivered}, rules(), at("2024-05-09T00:00:00Z"));
  EXPECT_EQ(a.stage, ParcelStage::delivered);
  EXPECT_TRUE(a.issues.empty());
}

TEST(Assessor, KindWithoutTemplateStillGetsAPlainLine) {
  auto a = assess(test::sampleParcel(), {}, {}, rules(), at("2024-05-03T00:00:00Z"));
  ASSERT_EQ(a.issues.size(), 1u);
  EXPECT_EQ(a.issues[0].finding.kind, ExceptionKind::not_picked_up);
  EXPECT_EQ(a.issues[0].message.zh_cn, "not_picked_up: YT1234567890123");
  EXPECT_EQ(a.issues[0].suggestion.remedy, Remedy::contact_carrier);
}

TEST(PlaceOf, PrefersAreaAndFacility) {
  EXPECT_EQ(placeOf(scan("2024-05-01T00:00:00Z", EventKind::arrived_hub,
                         "【杭州市】 快件已到达 杭州转运中心")),
            "杭州市 杭州转运中心");
  EXPECT_EQ(placeOf(scan("2024-05-01T00:00:00Z", EventKind::in_transit, "[广州市] 运输中")),
            "广州市");
  EXPECT_EQ(placeOf(scan("2024-05-01T00:00:00Z", EventKind::in_transit, "运输中", "湖北省武汉市")),
            "湖北省武汉市");
  EXPECT_EQ(placeOf(scan("2024-05-01T00:00:00Z", EventKind::in_transit, "运输中")), "运输中");
}

TEST(Assessor, CarrierFactorAndHighValueApproval) {
  auto parcel = test::sampleParcel();
  parcel.order_value = 5000;
  Timeline t = {scan("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收")};
  auto r = rules();
  r.detection.carrier_factor["yuantong"] = 2.0;  // 96 h for this carrier
  EXPECT_TRUE(assess(parcel, t, {}, r, at("2024-05-04T04:00:00Z")).issues.empty());
  auto a = assess(parcel, t, {}, r, at("2024-05-09T04:00:00Z"));
  ASSERT_EQ(a.issues.size(), 1u);
  EXPECT_EQ(a.issues[0].suggestion.remedy, Remedy::reship);
  EXPECT_NE(a.issues[0].suggestion.reason.find("(order value 5000: needs approval)"),
            std::string::npos);
}
