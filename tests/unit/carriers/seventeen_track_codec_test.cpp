#include "carriers/seventeen_track/seventeen_track_codec.h"

#include "common/time_format.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace pw;

namespace {
std::string data(const std::string& name) {
  return test::readFile(std::string(PW_TEST_DATA_DIR) + "/17track/" + name);
}
SeventeenTrackCodec codec() {
  return SeventeenTrackCodec({"https://example.invalid/track/v2.2", "TOKEN"});
}
HttpResponse ok(std::string body) { return HttpResponse{200, std::move(body), std::nullopt, {}}; }
}  // namespace

TEST(SeventeenTrackCodec, RequestsCarryTheTokenAndAtMost40Numbers) {
  auto req = codec().buildQuery(test::sampleParcel("LX123456785CN"));
  EXPECT_EQ(req.url, "https://example.invalid/track/v2.2/gettrackinfo");
  EXPECT_EQ(req.headers.at(0), (std::pair<std::string, std::string>{"17token", "TOKEN"}));
  EXPECT_EQ(req.body, R"([{"number":"LX123456785CN"}])");
  auto reg = codec().buildRegistration(test::sampleParcel("LX123456785CN"));
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->url, "https://example.invalid/track/v2.2/register");
  std::vector<std::string> many(41, "LX123456785CN");
  EXPECT_THROW(codec().buildBatchQuery(many), std::invalid_argument);
  many.pop_back();
  EXPECT_EQ(boost::json::parse(codec().buildBatchQuery(many).body).as_array().size(), 40u);
}

TEST(SeventeenTrackCodec, ParsesSubStatusesAndUtcTimes) {
  auto batch = codec().parseBatch(data("gettrackinfo.json")).value();
  ASSERT_EQ(batch.size(), 2u);
  auto& snap = batch[0].second.value();
  EXPECT_EQ(batch[0].first, "LX123456785CN");
  ASSERT_EQ(snap.events.size(), 4u);
  EXPECT_EQ(snap.events[0].kind, EventKind::picked_up);
  EXPECT_EQ(formatRfc3339(snap.events[0].time), "2024-05-02T02:00:00Z");
  EXPECT_EQ(snap.events[1].kind, EventKind::departed_hub);
  EXPECT_EQ(snap.events[2].kind, EventKind::arrived_hub);
  EXPECT_EQ(snap.events[3].kind, EventKind::customs);
  EXPECT_EQ(snap.events[3].reason, EventReason::customs_hold);
  EXPECT_EQ(snap.carrier_state, "InTransit_CustomsRequiringInformation");
  EXPECT_EQ(batch[1].first, "RR000000000CN");
  EXPECT_EQ(batch[1].second.error().code, ErrorCode::not_registered);
}

TEST(SeventeenTrackCodec, WebhookBodyAndDelivery) {
  auto batch = codec().parseBatch(data("webhook_delivered.json")).value();
  ASSERT_EQ(batch.size(), 1u);
  auto& snap = batch[0].second.value();
  EXPECT_EQ(snap.carrier_stage, ParcelStage::delivered);
  ASSERT_EQ(snap.events.size(), 2u);
  EXPECT_EQ(snap.events[0].kind, EventKind::out_for_delivery);
  EXPECT_EQ(snap.events[1].kind, EventKind::signed_);
}

TEST(SeventeenTrackCodec, InvalidNumberIsFlagged) {
  auto snap = codec().parseQuery(ok(data("invalid_number.json"))).value();
  EXPECT_TRUE(snap.invalid_number);
  EXPECT_TRUE(snap.events.empty());
}

TEST(SeventeenTrackCodec, ErrorsAndHostileBodies) {
  EXPECT_EQ(codec().parseQuery(ok(R"({"code":-18010014,"data":{}})")).error().message,
            "17track code -18010014");
  EXPECT_EQ(codec().parseQuery({429, "", std::nullopt, {}}).error().code, ErrorCode::transient);
  for (
      auto body :
      {"", "{", "[]", R"({"code":0})", R"({"code":0,"data":{"accepted":[]}})",
       R"({"code":0,"data":{"accepted":[{"number":1,"track_info":{"tracking":{"providers":[{"events":[1,{"time_utc":"x"}]}]}}}]}})"}) {
    auto r = codec().parseQuery(ok(body));
    if (r) {
      EXPECT_TRUE(r->events.empty()) << body;
    }
  }
}
