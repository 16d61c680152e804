#include "carriers/kuaidiniao/kuaidiniao_codec.h"

#include "carriers/md5.h"
#include "common/time_format.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

using namespace pw;

namespace {
std::string data(const std::string& name) {
  return test::readFile(std::string(PW_TEST_DATA_DIR) + "/kuaidiniao/" + name);
}
KuaidiniaoCodec codec() {
  return KuaidiniaoCodec(
      {"https://example.invalid/api", "1234567", "APPKEY", "8001", TimeZone::shanghai()});
}
HttpResponse ok(std::string body) { return HttpResponse{200, std::move(body), std::nullopt, {}}; }
std::string enc(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}
}  // namespace

TEST(KuaidiniaoCodec, DataSignIsBase64OfLowerHexMd5) {
  EXPECT_EQ(md5HexLower("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(KuaidiniaoCodec::sign("ab", "c"), "OTAwMTUwOTgzY2QyNGZiMGQ2OTYzZjdkMjhlMTdmNzI=");
}

TEST(KuaidiniaoCodec, BuildsASignedFormPostWithItsCarrierCode) {
  auto p = test::sampleParcel("75312345678901");
  p.carrier = "zhongtong";
  p.phone = "5678";
  auto req = codec().buildQuery(p);
  std::map<std::string, std::string> form;
  for (auto q : boost::urls::parse_query(req.body).value()) form[q.key.decode()] = q.value.decode();
  EXPECT_EQ(form["EBusinessID"], "1234567");
  EXPECT_EQ(form["RequestType"], "8001");
  EXPECT_EQ(form["DataType"], "2");
  auto rd = boost::json::parse(form["RequestData"]).as_object();
  EXPECT_EQ(rd["ShipperCode"], "ZTO");
  EXPECT_EQ(rd["LogisticCode"], "75312345678901");
  EXPECT_EQ(rd["CustomerName"], "5678");
  EXPECT_EQ(form["DataSign"], KuaidiniaoCodec::sign(form["RequestData"], "APPKEY"));
}

TEST(KuaidiniaoCodec, ParsesStateExActionsAndCollapsesDuplicates) {
  auto snap = codec().parseQuery(ok(data("in_transit_8001.json"))).value();
  ASSERT_EQ(snap.events.size(), 4u);  // the repeated last trace counts once
  EXPECT_EQ(snap.carrier_state, "202");
  EXPECT_FALSE(snap.carrier_stage);
  EXPECT_EQ(snap.events[0].kind, EventKind::picked_up);
  EXPECT_EQ(formatRfc3339(snap.events[0].time), "2024-05-02T02:00:00Z");
  EXPECT_EQ(snap.events[1].kind, EventKind::departed_hub);
  EXPECT_EQ(snap.events[2].kind, EventKind::arrived_hub);
  EXPECT_EQ(snap.events[3].kind, EventKind::out_for_delivery);
  EXPECT_EQ(snap.events[3].location, "上海市");
}

TEST(KuaidiniaoCodec, StationSignatureIsNotADeliveryToTheBuyer) {
  auto snap = codec().parseQuery(ok(data("locker_signed_311.json"))).value();
  EXPECT_FALSE(snap.carrier_stage) << "311 keeps the parcel watched until collected";
  EXPECT_EQ(snap.events.back().kind, EventKind::signed_);
  EXPECT_EQ(snap.events.back().signer_type, SignerType::station);
}

TEST(KuaidiniaoCodec, NoTracesYetAndErrors) {
  auto r = codec().parseQuery(ok(data("no_traces.json")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::no_result);
  EXPECT_EQ(r.error().message, "kuaidiniao: 暂无轨迹信息");
  r = codec().parseQuery(ok(R"({"Success":false,"Reason":"数据签名错误"})"));
  EXPECT_EQ(r.error().code, ErrorCode::carrier);
  auto unknown = codec().parseQuery(
      ok(R"({"Success":false,"Reason":"单号不存在，请核实","State":"0","LogisticCode":"X1"})"));
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->invalid_number);
  EXPECT_EQ(codec().parseQuery({502, "", std::nullopt, {}}).error().code, ErrorCode::transient);
  for (auto body : {"", "[]", "{\"Success\":true,\"Traces\":{}}", "\xff\xfe"})
    EXPECT_FALSE(codec().parseQuery(ok(body))) << body;
}

TEST(KuaidiniaoCodec, BadTracesAreDroppedOneByOne) {
  auto snap = codec().parseQuery(ok(data("bad_traces.json"))).value();
  ASSERT_EQ(snap.events.size(), 1u);
  EXPECT_EQ(snap.events[0].kind, EventKind::departed_hub);
  EXPECT_EQ(snap.warnings.size(), 2u);
}

TEST(KuaidiniaoCodec, PushIsVerifiedAndParsed) {
  std::string trace = data("in_transit_8001.json");
  std::string requestData =
      R"({"EBusinessID":"1234567","PushTime":"2024-05-03 09:11:00","Count":1,"Data":[)" + trace +
      "]}";
  std::string body = "RequestData=" + enc(requestData) + "&RequestType=101&DataSign=" +
                     enc(KuaidiniaoCodec::sign(requestData, "APPKEY"));
  auto items = codec().parsePush(body).value();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].tracking_number, "75312345678901");
  EXPECT_EQ(items[0].carrier, "zhongtong");
  EXPECT_EQ(items[0].snapshot.value().events.size(), 4u);

  auto forged = "RequestData=" + enc(requestData) +
                "&RequestType=101&DataSign=" + enc(KuaidiniaoCodec::sign(requestData, "WRONG"));
  EXPECT_EQ(codec().parsePush(forged).error().message, "kuaidiniao push: DataSign does not match");
  EXPECT_FALSE(codec().parsePush("RequestType=107"));

  auto reply =
      boost::json::parse(codec().pushReply(true, "", test::at("2024-05-03T01:11:00Z"))).as_object();
  EXPECT_EQ(reply["EBusinessID"], "1234567");
  EXPECT_EQ(reply["Success"], true);
  EXPECT_EQ(reply["UpdateTime"], "2024-05-03 09:11:00");
}
