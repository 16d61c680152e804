#include "carriers/kuaidi100/kuaidi100_codec.h"

#include "carriers/md5.h"
#include "common/time_format.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include "support/printers.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

using namespace pw;

namespace {
std::string data(const std::string& name) {
  return test::readFile(std::string(PW_TEST_DATA_DIR) + "/kuaidi100/" + name);
}
Kuaidi100Codec codec() {
  return Kuaidi100Codec(
      {"https://example.invalid/poll/query.do", "CUST", "KEY", TimeZone::shanghai()});
}
HttpResponse ok(std::string body) { return HttpResponse{200, std::move(body), std::nullopt, {}}; }
}  // namespace

TEST(Md5, KnownVectors) {
  EXPECT_EQ(md5HexUpper(""), "D41D8CD98F00B204E9800998ECF8427E");
  EXPECT_EQ(md5HexUpper("abc"), "900150983CD24FB0D6963F7D28E17F72");
  EXPECT_EQ(md5HexUpper("快递"), md5HexUpper(std::string("\xe5\xbf\xab\xe9\x80\x92")));
}

TEST(Kuaidi100Codec, SignIsUpperMd5OfParamKeyCustomer) {
  EXPECT_EQ(Kuaidi100Codec::sign(R"({"com":"yuantong","num":"YT1"})", "KEY", "CUST"),
            md5HexUpper(R"({"com":"yuantong","num":"YT1"})"
                        "KEY"
                        "CUST"));
}

TEST(Kuaidi100Codec, BuildsASignedFormPost) {
  auto p = test::sampleParcel();
  p.phone = "1234";
  auto req = codec().buildQuery(p);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://example.invalid/poll/query.do");
  EXPECT_EQ(req.content_type, "application/x-www-form-urlencoded");
  auto params = boost::urls::parse_query(req.body).value();
  std::map<std::string, std::string> form;
  for (auto q : params) form[q.key.decode()] = q.value.decode();
  EXPECT_EQ(form["customer"], "CUST");
  auto param = boost::json::parse(form["param"]).as_object();
  EXPECT_EQ(param["com"], "yuantong");
  EXPECT_EQ(param["num"], "YT1234567890123");
  EXPECT_EQ(param["phone"], "1234");
  EXPECT_EQ(param["resultv2"], "4");
  EXPECT_EQ(form["sign"], Kuaidi100Codec::sign(form["param"], "KEY", "CUST"));
}

TEST(Kuaidi100Codec, ParsesAHistoryOldestFirstWithUtcTimes) {
  auto snap = codec().parseQuery(ok(data("in_transit.json"))).value();
  ASSERT_EQ(snap.events.size(), 4u);
  EXPECT_TRUE(snap.warnings.empty());
  EXPECT_FALSE(snap.carrier_stage);
  EXPECT_EQ(snap.events[0].kind, EventKind::picked_up);
  EXPECT_EQ(snap.events[0].local_time, "2024-05-01 11:30:00");
  EXPECT_EQ(formatRfc3339(snap.events[0].time), "2024-05-01T03:30:00Z");
  EXPECT_EQ(snap.events[1].kind, EventKind::arrived_hub);  // code 0 refined by the text
  EXPECT_EQ(snap.events[2].kind, EventKind::departed_hub);
  EXPECT_EQ(snap.events[3].kind, EventKind::arrived_hub);  // 1001 到达派件城市, refined by the text
  EXPECT_EQ(snap.events[3].location, "浙江省杭州市");
  EXPECT_EQ(snap.events[3].carrier_status, "1001");
  EXPECT_EQ(snap.events[0].place, (Place{"广东省", "广州市", "白云区"}));  // district from the text
  EXPECT_EQ(snap.events[3].place, (Place{"浙江省", "杭州市", ""}));
}

TEST(Kuaidi100Codec, ClassifiesFreeTextWhenNoCodes) {
  auto snap = codec().parseQuery(ok(data("signed_no_codes.json"))).value();
  ASSERT_EQ(snap.events.size(), 4u);
  EXPECT_EQ(snap.carrier_stage, ParcelStage::delivered);
  EXPECT_EQ(snap.events[0].kind, EventKind::picked_up);
  EXPECT_EQ(snap.events[1].kind, EventKind::arrived_hub);
  EXPECT_EQ(snap.events[2].kind, EventKind::out_for_delivery);
  EXPECT_EQ(snap.events[3].kind, EventKind::signed_);
}

TEST(Kuaidi100Codec, ErrorAnswersBecomeTypedErrors) {
  auto r = codec().parseQuery(ok(data("no_result_500.json")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::no_result);
  EXPECT_EQ(r.error().message, "kuaidi100 returnCode 500: 查询无结果，请隔段时间再查");
  r = codec().parseQuery(ok(data("bad_sign_503.json")));
  EXPECT_EQ(r.error().code, ErrorCode::carrier);
  EXPECT_EQ(r.error().message, "kuaidi100 returnCode 503: 验证签名失败");
  r = codec().parseQuery(ok(data("key_expired_601.json")));
  EXPECT_EQ(r.error().message, "kuaidi100 returnCode 601: POLL:KEY已过期");
}

// "No such number" is what the carrier knows about the number, not a failed
// query: a snapshot without events that says so (invalid_number after the grace period).
TEST(Kuaidi100Codec, NoSuchNumberIsAFindingNotAnError) {
  for (auto body : {R"({"result":false,"returnCode":"201","message":"单号不存在或者已经过期"})",
                    R"({"result":false,"returnCode":"500","message":"快递单号不存在"})"}) {
    auto snap = codec().parseQuery(ok(body));
    ASSERT_TRUE(snap) << body << ": " << snap.error().message;
    EXPECT_TRUE(snap->invalid_number);
    EXPECT_TRUE(snap->events.empty());
  }
  auto r = codec().parseQuery(ok(R"({"result":false,"returnCode":"201","message":"查询无结果"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::no_result);
  // A key that expired is the merchant's problem, not the number's.
  r = codec().parseQuery(ok(R"({"result":false,"returnCode":"601","message":"POLL:KEY已过期"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::carrier);
}

// A pickup point's receipt coded as a signature ("3") whose text asks the
// buyer to collect it is storage: pickup_overdue must follow.
TEST(Kuaidi100Codec, AReceiptCodedSignedThatAsksToCollectIsStorage) {
  auto snap = codec().parseBody(R"({"status":"200","state":"3","ischeck":"1","data":[
    {"time":"2024-05-02 15:00:00","ftime":"2024-05-02 15:00:00","statusCode":"3",
     "context":"快件已由文三路菜鸟驿站代收，请及时取件"}]})");
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->events.at(0).kind, EventKind::stored_for_pickup);
}

TEST(Kuaidi100Codec, HttpStatusesAreClassified) {
  EXPECT_EQ(codec().parseQuery({503, "", std::nullopt, {}}).error().code, ErrorCode::transient);
  EXPECT_EQ(codec().parseQuery({429, "", std::nullopt, {}}).error().code, ErrorCode::transient);
  EXPECT_EQ(codec().parseQuery({404, "", std::nullopt, {}}).error().message, "kuaidi100 HTTP 404");
}

TEST(Kuaidi100Codec, MalformedBodiesAreErrorsNotCrashes) {
  for (auto name : {"not_json.html", "truncated.json", "data_not_array.json"}) {
    auto r = codec().parseQuery(ok(data(name)));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::carrier) << name;
  }
  EXPECT_FALSE(codec().parseQuery(ok("")));
  EXPECT_FALSE(codec().parseQuery(ok("[]")));
  EXPECT_FALSE(codec().parseQuery(ok("\xff\xfe\x00garbage")));
  EXPECT_FALSE(codec().parseQuery(ok(std::string(1 << 20, '['))));
}

TEST(Kuaidi100Codec, GbkAndHugeBodiesAreClearErrorsOrParsed) {
  // "已签收" in GBK: not UTF-8, so not JSON text; said so, never misread.
  std::string gbk =
      "{\"message\":\"ok\",\"status\":\"200\",\"data\":[{\"time\":\"2024-05-01 "
      "10:00:00\",\"context\":\"\xd2\xd1\xc7\xa9\xca\xd5\"}]}";
  auto r = codec().parseQuery(ok(gbk));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::carrier);
  EXPECT_EQ(r.error().message.rfind("kuaidi100 answer is not JSON", 0), 0u) << r.error().message;

  // 10 MB of events: parsed, bounded only by the HTTP layer's size cap.
  std::vector<test::K100Event> many;
  for (int i = 0; i < 60000; ++i)
    many.push_back(
        {"2024-05-01 10:00:00", "【杭州市】 快件已到达 杭州转运中心 " + std::to_string(i)});
  std::string huge = test::kuaidi100Body("YT1234567890123", many);
  ASSERT_GT(huge.size(), 5u << 20);
  auto snap = codec().parseQuery(ok(huge));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->events.size(), 60000u);
}

TEST(Kuaidi100Codec, BadEventsAreDroppedOneByOneWithAReason) {
  auto snap = codec().parseQuery(ok(data("wrong_types.json"))).value();
  // Only the event with a usable time survives; its non-string context reads as empty.
  ASSERT_EQ(snap.events.size(), 1u);
  EXPECT_EQ(snap.events[0].description, "");
  EXPECT_EQ(snap.warnings.size(), 4u);

  snap = codec().parseQuery(ok(data("bad_times.json"))).value();
  ASSERT_EQ(snap.events.size(), 1u);
  EXPECT_EQ(snap.events[0].local_time, "2014/06/25 01:41:06");
  ASSERT_EQ(snap.warnings.size(), 3u);
  EXPECT_EQ(snap.warnings[0],
            "data[0]: bad carrier time '2020-08-03 16:58:272': expected YYYY-MM-DD HH:MM:SS");
}

TEST(Kuaidi100Codec, EqualTimesKeepTheCarriersOrder) {
  auto body = test::kuaidi100Body("YT1234567890123", {{"2024-05-01 10:00:00", "第一"},
                                                      {"2024-05-01 10:00:00", "第二"},
                                                      {"2024-05-01 09:00:00", "更早"}});
  auto snap = codec().parseQuery(ok(body)).value();
  ASSERT_EQ(snap.events.size(), 3u);
  EXPECT_EQ(snap.events[0].description, "更早");
  EXPECT_EQ(snap.events[1].description, "第一");
  EXPECT_EQ(snap.events[2].description, "第二");
}
