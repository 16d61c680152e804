// Each rule with an injected clock: the case that fires and the look-alike that must not.
#include "detection/rules.h"
#include "carriers/normalize.h"
#include "detection/detector.h"
#include "model/parcel_stage.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

TrackingEvent ev(const std::string& utc, EventKind kind, std::string city = "",
                 SignerType signer = SignerType::none, EventReason reason = EventReason::none) {
  TrackingEvent e;
  e.time = at(utc);
  e.kind = kind;
  e.description = std::string(toString(kind));
  e.place.city = std::move(city);
  e.signer_type = signer;
  e.reason = reason;
  return e;
}

struct Case {
  Parcel parcel = test::sampleParcel("YT1234567890123", "2024-05-01T00:00:00Z");  // to 杭州市
  DetectionPolicy policy;
  Timeline timeline;
  CarrierFacts facts;
  bool claim = false;
  std::vector<ExceptionKind> at(const std::string& now) {
    RuleInput in{parcel, timeline, stageOf(timeline), policy, test::at(now), facts, claim};
    std::vector<ExceptionKind> kinds;
    for (const auto& f : detect(in)) kinds.push_back(f.kind);
    return kinds;
  }
  bool fires(ExceptionKind k, const std::string& now) {
    auto ks = at(now);
    return std::find(ks.begin(), ks.end(), k) != ks.end();
  }
};

const auto kPickup = EventKind::picked_up;
const auto kHub = EventKind::arrived_hub;

}  // namespace

TEST(Rules, InvalidNumber) {
  Case c;
  c.facts.no_result = true;
  EXPECT_FALSE(c.fires(ExceptionKind::invalid_number, "2024-05-01T20:00:00Z"))
      << "no result yet is normal";
  EXPECT_TRUE(c.fires(ExceptionKind::invalid_number, "2024-05-02T00:00:00Z"));
  EXPECT_FALSE(c.fires(ExceptionKind::not_picked_up, "2024-05-02T00:00:00Z"));
  Case e;  // the carrier's explicit "no such number" waits out the same grace period
  e.facts.invalid_number = true;
  EXPECT_FALSE(e.fires(ExceptionKind::invalid_number, "2024-05-01T20:00:00Z"));
  EXPECT_TRUE(e.fires(ExceptionKind::invalid_number, "2024-05-02T00:00:00Z"));
  // A shape that does not fit the carrier is not evidence: a warning at
  // registration, never a task on its own, and never once the carrier has scans.
  Case f;
  f.facts.number_format_ok = false;
  EXPECT_FALSE(f.fires(ExceptionKind::invalid_number, "2024-05-01T01:00:00Z"));
  EXPECT_FALSE(f.fires(ExceptionKind::invalid_number, "2024-05-09T01:00:00Z"));
  Case g;
  g.facts.invalid_number = true;
  g.facts.number_format_ok = false;
  g.timeline = {ev("2024-05-01T04:00:00Z", kPickup)};
  EXPECT_FALSE(g.fires(ExceptionKind::invalid_number, "2024-05-09T01:00:00Z"))
      << "a number the carrier has scans for is valid";
}

TEST(Rules, RemoteDestinationsAndHolidaysStretchGaps) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup)};
  c.parcel.destination.province = "新疆维吾尔自治区";
  EXPECT_FALSE(c.fires(ExceptionKind::stalled, "2024-05-03T04:00:00Z"));  // 48 h < 72 h
  EXPECT_TRUE(c.fires(ExceptionKind::stalled, "2024-05-04T04:00:00Z"));
  Case h;
  h.timeline = {ev("2024-05-01T04:00:00Z", kPickup)};
  h.policy.holidays = {{at("2024-05-01T00:00:00Z"), at("2024-05-06T00:00:00Z")}};  // 劳动节
  EXPECT_FALSE(h.fires(ExceptionKind::stalled, "2024-05-05T00:00:00Z"));
  EXPECT_TRUE(h.fires(ExceptionKind::stalled, "2024-05-08T00:00:00Z"));
}

TEST(Rules, DeliveryOverdueAndFailed) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T01:00:00Z", EventKind::out_for_delivery, "杭州市")};
  EXPECT_FALSE(c.fires(ExceptionKind::delivery_overdue, "2024-05-02T20:00:00Z"));
  EXPECT_TRUE(c.fires(ExceptionKind::delivery_overdue, "2024-05-03T01:00:00Z"));
  c.timeline.push_back(ev("2024-05-02T03:00:00Z", EventKind::delivery_failed, "杭州市",
                          SignerType::none, EventReason::no_contact));
  EXPECT_TRUE(c.fires(ExceptionKind::delivery_failed, "2024-05-02T04:00:00Z"));
  c.timeline.push_back(ev("2024-05-02T08:00:00Z", EventKind::out_for_delivery, "杭州市"));
  EXPECT_FALSE(c.fires(ExceptionKind::delivery_failed, "2024-05-02T09:00:00Z")) << "redelivered";
}

TEST(Rules, PickupOverdueAndProxySigned) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T02:00:00Z", EventKind::out_for_delivery, "杭州市"),
                ev("2024-05-02T04:00:00Z", EventKind::signed_, "杭州市", SignerType::station)};
  EXPECT_TRUE(c.fires(ExceptionKind::proxy_signed, "2024-05-02T05:00:00Z"));
  EXPECT_FALSE(c.fires(ExceptionKind::pickup_overdue, "2024-05-03T04:00:00Z"));
  EXPECT_TRUE(c.fires(ExceptionKind::pickup_overdue, "2024-05-04T04:00:00Z"));
  c.timeline.push_back(ev("2024-05-03T10:00:00Z", EventKind::signed_, "杭州市", SignerType::self));
  EXPECT_FALSE(c.fires(ExceptionKind::proxy_signed, "2024-05-04T04:00:00Z"))
      << "the buyer collected it";
  EXPECT_FALSE(c.fires(ExceptionKind::pickup_overdue, "2024-05-04T04:00:00Z"));
}

TEST(Rules, ASignatureAfterTheBuyersOwnPickupIsNotAProxySignature) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T02:00:00Z", EventKind::stored_for_pickup, "杭州市"),
                ev("2024-05-02T09:00:00Z", EventKind::signed_, "杭州市", SignerType::self),
                ev("2024-05-02T10:00:00Z", EventKind::signed_, "杭州市", SignerType::station)};
  EXPECT_FALSE(c.fires(ExceptionKind::proxy_signed, "2024-05-02T11:00:00Z"))
      << "the carrier closed its record again after the buyer collected it";
}

TEST(Rules, AProxySignatureSaysWhoSignedForTheBuyer) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T02:00:00Z", EventKind::out_for_delivery, "杭州市"),
                ev("2024-05-02T04:00:00Z", EventKind::signed_, "杭州市", SignerType::reception)};
  c.timeline.back().signer = "前台";
  RuleInput in{c.parcel, c.timeline, stageOf(c.timeline), c.policy, at("2024-05-02T05:00:00Z"),
               c.facts,  false};
  auto f = detectProxySigned(in);
  ASSERT_TRUE(f);
  EXPECT_NE(f->detail.find("signed for by 前台 on the buyer's behalf"), std::string::npos)
      << f->detail;
  c.timeline.back().signer_type = SignerType::locker;
  c.timeline.back().signer = "丰巢";
  f = detectProxySigned(in);
  ASSERT_TRUE(f);
  EXPECT_NE(f->detail.find("not yet collected"), std::string::npos) << f->detail;
}

TEST(Rules, AReturnScanWhoseReasonIsARefusalRaisesBoth) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T02:00:00Z", EventKind::out_for_delivery, "杭州市"),
                ev("2024-05-02T06:00:00Z", EventKind::returning, "杭州市", SignerType::none,
                   EventReason::refused)};
  EXPECT_TRUE(c.fires(ExceptionKind::refused, "2024-05-02T07:00:00Z"));
  EXPECT_TRUE(c.fires(ExceptionKind::returned, "2024-05-02T07:00:00Z"));
  Case d;  // a return for another reason is no refusal
  d.timeline = c.timeline;
  d.timeline.back().reason = EventReason::address;
  EXPECT_FALSE(d.fires(ExceptionKind::refused, "2024-05-02T07:00:00Z"));
  EXPECT_TRUE(d.fires(ExceptionKind::returned, "2024-05-02T07:00:00Z"));
}

TEST(Rules, RefusedReturnedCustomsProblem) {
  Case c;
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T04:00:00Z", EventKind::refused, "杭州市")};
  EXPECT_TRUE(c.fires(ExceptionKind::refused, "2024-05-02T05:00:00Z"));
  c.timeline.push_back(ev("2024-05-02T08:00:00Z", EventKind::returning));
  EXPECT_TRUE(c.fires(ExceptionKind::returned, "2024-05-02T09:00:00Z"));

  Case k;
  k.timeline = {ev("2024-05-01T04:00:00Z", kPickup),
                ev("2024-05-02T04:00:00Z", EventKind::customs, "", SignerType::none,
                   EventReason::customs_hold)};
  EXPECT_TRUE(k.fires(ExceptionKind::customs_hold, "2024-05-02T05:00:00Z"));
  k.timeline.push_back(ev("2024-05-03T04:00:00Z", EventKind::customs, "", SignerType::none,
                          EventReason::customs_released));
  EXPECT_FALSE(k.fires(ExceptionKind::customs_hold, "2024-05-03T05:00:00Z"));

  Case p;
  p.timeline = {
      ev("2024-05-01T04:00:00Z", kPickup),
      ev("2024-05-02T04:00:00Z", EventKind::problem, "", SignerType::none, EventReason::damaged)};
  EXPECT_TRUE(p.fires(ExceptionKind::problem, "2024-05-02T05:00:00Z"));
  p.timeline.push_back(ev("2024-05-02T09:00:00Z", kHub, "杭州市"));
  EXPECT_FALSE(p.fires(ExceptionKind::problem, "2024-05-02T10:00:00Z"));
}

TEST(Rules, Misrouted) {
  Case c;  // destination 杭州市
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup, "广州市"),
                ev("2024-05-02T04:00:00Z", kHub, "宁波市"),
                ev("2024-05-02T08:00:00Z", EventKind::arrived_delivery_station, "宁波市")};
  EXPECT_TRUE(c.fires(ExceptionKind::misrouted, "2024-05-02T09:00:00Z"));
  c.timeline.push_back(ev("2024-05-03T08:00:00Z", EventKind::arrived_delivery_station, "杭州市"));
  EXPECT_FALSE(c.fires(ExceptionKind::misrouted, "2024-05-03T09:00:00Z")) << "recovered";

  Case left;  // reached Hangzhou, then went on to Shanghai before any delivery
  left.timeline = {ev("2024-05-01T04:00:00Z", kPickup, "广州市"),
                   ev("2024-05-02T04:00:00Z", kHub, "杭州市"),
                   ev("2024-05-02T10:00:00Z", kHub, "上海市")};
  EXPECT_TRUE(left.fires(ExceptionKind::misrouted, "2024-05-02T11:00:00Z"));

  Case origin;  // shipped from Hangzhou itself: leaving through a hub is no misroute
  origin.timeline = {ev("2024-05-01T04:00:00Z", kPickup, "杭州市"),
                     ev("2024-05-01T10:00:00Z", kHub, "嘉兴市"),
                     ev("2024-05-02T04:00:00Z", EventKind::arrived_delivery_station, "杭州市")};
  EXPECT_FALSE(origin.fires(ExceptionKind::misrouted, "2024-05-02T05:00:00Z"));
}

TEST(Rules, FalseSigned) {
  Case wrongCity;
  wrongCity.timeline = {
      ev("2024-05-01T04:00:00Z", kPickup, "广州市"),
      ev("2024-05-02T04:00:00Z", EventKind::out_for_delivery, "宁波市"),
      ev("2024-05-02T06:00:00Z", EventKind::signed_, "宁波市", SignerType::unknown)};
  EXPECT_TRUE(wrongCity.fires(ExceptionKind::false_signed, "2024-05-02T07:00:00Z"));

  Case noDelivery;
  noDelivery.timeline = {
      ev("2024-05-01T04:00:00Z", kPickup, "广州市"), ev("2024-05-02T04:00:00Z", kHub, "杭州市"),
      ev("2024-05-02T06:00:00Z", EventKind::signed_, "杭州市", SignerType::unknown)};
  EXPECT_TRUE(noDelivery.fires(ExceptionKind::false_signed, "2024-05-02T07:00:00Z"));

  Case afterFailure;
  afterFailure.timeline = {
      ev("2024-05-01T04:00:00Z", kPickup, "广州市"),
      ev("2024-05-02T04:00:00Z", EventKind::out_for_delivery, "杭州市"),
      ev("2024-05-02T05:00:00Z", EventKind::delivery_failed, "杭州市"),
      ev("2024-05-02T05:05:00Z", EventKind::signed_, "杭州市", SignerType::unknown)};
  EXPECT_TRUE(afterFailure.fires(ExceptionKind::false_signed, "2024-05-02T07:00:00Z"));

  Case buyerAfterRetry;  // failed, new attempt, signed by the buyer: fine
  buyerAfterRetry.timeline = afterFailure.timeline;
  buyerAfterRetry.timeline.back() =
      ev("2024-05-02T09:00:00Z", EventKind::out_for_delivery, "杭州市");
  buyerAfterRetry.timeline.push_back(
      ev("2024-05-02T09:30:00Z", EventKind::signed_, "杭州市", SignerType::self));
  EXPECT_TRUE(buyerAfterRetry.at("2024-05-02T10:00:00Z").empty());

  Case scansAfter = buyerAfterRetry;
  scansAfter.timeline.push_back(ev("2024-05-02T12:00:00Z", kHub, "上海市"));
  EXPECT_TRUE(scansAfter.fires(ExceptionKind::false_signed, "2024-05-02T13:00:00Z"));

  Case claim = buyerAfterRetry;
  claim.claim = true;
  EXPECT_TRUE(claim.fires(ExceptionKind::false_signed, "2024-05-02T13:00:00Z"));
}

TEST(Rules, PromiseAtRisk) {
  Case c;
  c.parcel.promised_by = at("2024-05-04T00:00:00Z");
  c.timeline = {ev("2024-05-01T04:00:00Z", kPickup, "广州市"),
                ev("2024-05-02T04:00:00Z", kHub, "广州市")};
  EXPECT_FALSE(c.fires(ExceptionKind::promise_at_risk, "2024-05-02T12:00:00Z"));
  EXPECT_TRUE(c.fires(ExceptionKind::promise_at_risk, "2024-05-03T06:00:00Z"))
      << "18 h left, still in 广州";
  EXPECT_TRUE(c.fires(ExceptionKind::promise_at_risk, "2024-05-04T01:00:00Z")) << "broken";
  c.timeline.push_back(ev("2024-05-03T02:00:00Z", kHub, "杭州市"));
  EXPECT_FALSE(c.fires(ExceptionKind::promise_at_risk, "2024-05-03T06:00:00Z"))
      << "in the destination city";
}

TEST(NormalizeDestination, CanonicalNames) {
  Parcel p = test::sampleParcel();
  p.destination = {"浙江", "杭州", "西湖", ""};
  normalizeDestination(p);
  EXPECT_EQ(p.destination.province, "浙江省");
  EXPECT_EQ(p.destination.city, "杭州市");
  p.destination = {"火星", "奥林匹斯", "", ""};
  normalizeDestination(p);
  EXPECT_EQ(p.destination.city, "奥林匹斯") << "unknown stays as written";
}

TEST(SameCity, WithOrWithoutShi) {
  EXPECT_TRUE(sameCity("杭州", "杭州市"));
  EXPECT_TRUE(sameCity("杭州市", "杭州"));
  EXPECT_TRUE(sameCity("杭州市", "杭州市"));
  EXPECT_FALSE(sameCity("杭州", "杭州湾"));
  EXPECT_FALSE(sameCity("杭州市", "宁波市"));
  EXPECT_FALSE(sameCity("", "市"));
}
