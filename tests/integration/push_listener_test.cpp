// Push endpoints over real HTTP on 127.0.0.1: signatures, duplicates, carrier
// corrections, unknown parcels, limits. Pushes are sent with the real curl client.
#include "push/push_listener.h"

#include "carriers/md5.h"
#include "config/config_loader.h"
#include "net/curl_http_client.h"
#include "polling/polling_service.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

struct NullSink : AlertSink {
  int lines = 0;
  bool emit(const boost::json::object&) override {
    ++lines;
    return true;
  }
};

std::string enc(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

struct PushTest : ::testing::Test {
  test::TempDir dir;
  boost::asio::io_context io;
  test::FakeClock clock{at("2024-05-04T00:00:00Z")};
  std::unique_ptr<Store> store = Store::open(dir / "pw.db").value();
  NullSink alerts;
  CurlHttpClient http{io, CurlLimits{}};
  Config cfg;
  std::unique_ptr<PollingService> service;
  std::unique_ptr<PushListener> listener;
  std::uint16_t port = 0;

  PushTest() {
    cfg = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
    cfg.simulator.enabled = false;
    cfg.kuaidi100 = {"http://127.0.0.1:1/unused", "CUST", "KEY", TimeZone::shanghai()};
    cfg.kuaidi100.salt = "SALT";
    cfg.kuaidiniao = {"http://127.0.0.1:1/unused", "1234567", "APPKEY", "8001",
                      TimeZone::shanghai()};
    cfg.seventeen_track = {"http://127.0.0.1:1/unused", "TOKEN"};
    cfg.kuaidiniao_enabled = true;
    cfg.seventeen_track_enabled = true;
    cfg.poll.interval = hours(24);  // no polling during these tests
    service = std::make_unique<PollingService>(io, *store, http, clock, alerts,
                                               std::make_shared<const Config>(cfg));
    listener = std::make_unique<PushListener>(io, *service, cfg);
    port = listener->start("127.0.0.1:0").value();
  }

  HttpResponse post(const std::string& path, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::string contentType = "application/x-www-form-urlencoded") {
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port) + path;
    req.body = std::move(body);
    req.content_type = std::move(contentType);
    req.headers = std::move(headers);
    std::optional<Result<HttpResponse>> out;
    http.send(req, [&](Result<HttpResponse> r) { out = std::move(r); });
    auto deadline = steady_clock::now() + seconds(10);
    while (!out && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
    EXPECT_TRUE(out && *out);
    return out && *out ? (*out).value() : HttpResponse{};
  }

  std::string kuaidi100Push(const std::string& num, const std::string& status = "polling",
                            const std::string& salt = "SALT", const std::string& comNew = "") {
    auto last = boost::json::parse(test::kuaidi100Body(
        num, {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
              {"2024-05-01 18:40:00", "【杭州市】 快件已到达 杭州转运中心", "0"}}));
    boost::json::object param{{"status", status}, {"message", ""}, {"lastResult", last}};
    if (!comNew.empty()) {
      param["autoCheck"] = "1";
      param["comOld"] = "yuantong";
      param["comNew"] = comNew;
    }
    std::string p = boost::json::serialize(param);
    return "param=" + enc(p) + "&sign=" + md5HexUpper(p + salt);
  }

  std::int64_t events() { return store->counts().value().events; }
};

}  // namespace

TEST_F(PushTest, Kuaidi100PushIsCommittedThenAcknowledgedAndDuplicatesAddNothing) {
  service->track({test::sampleParcel()});
  auto r = post("/push/kuaidi100", kuaidi100Push("YT1234567890123"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"result":true,"returnCode":"200","message":"成功"})");
  EXPECT_EQ(events(), 2);
  auto tasks = store->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, ExceptionKind::stalled);

  r = post("/push/kuaidi100", kuaidi100Push("YT1234567890123"));
  EXPECT_EQ(r.body, R"({"result":true,"returnCode":"200","message":"成功"})");
  EXPECT_EQ(events(), 2);
  EXPECT_EQ(store->tasks({}).value().size(), 1u);
  EXPECT_EQ(alerts.lines, 2) << "exception_raised and task_raised, once";
}

TEST_F(PushTest, BadSignatureIsRejectedAndNothingStored) {
  service->track({test::sampleParcel()});
  auto r = post("/push/kuaidi100", kuaidi100Push("YT1234567890123", "polling", "WRONG"));
  EXPECT_EQ(r.status, 200);
  auto answer = boost::json::parse(r.body).as_object();
  EXPECT_EQ(answer["result"], false);
  EXPECT_EQ(answer["message"], "kuaidi100 push: sign does not match");
  EXPECT_EQ(events(), 0);
  EXPECT_TRUE(store->tasks({}).value().empty());
  r = post("/push/kuaidi100", "param=%7Bnot%20json&sign=x");
  EXPECT_EQ(boost::json::parse(r.body).as_object()["result"], false);
}

TEST_F(PushTest, CarrierCorrectionAndAbort) {
  service->track({test::sampleParcel()});
  auto r = post("/push/kuaidi100", kuaidi100Push("YT1234567890123", "abort", "SALT", "ems"));
  EXPECT_EQ(boost::json::parse(r.body).as_object()["result"], true);
  EXPECT_EQ(store->findParcel("YT1234567890123").value()->carrier, "ems");
}

TEST_F(PushTest, UnknownParcelIsAcknowledgedAndIgnored) {
  auto r = post("/push/kuaidi100", kuaidi100Push("YT9999999999999"));
  EXPECT_EQ(boost::json::parse(r.body).as_object()["result"], true);
  EXPECT_EQ(events(), 0);
}

TEST_F(PushTest, KuaidiniaoPushVerifiedAndReplied) {
  auto p = test::sampleParcel("75312345678901");
  p.carrier = "zhongtong";
  service->track({p});
  std::string trace =
      test::readFile(std::string(PW_TEST_DATA_DIR) + "/kuaidiniao/in_transit_8001.json");
  std::string rd =
      R"({"EBusinessID":"1234567","PushTime":"2024-05-03 09:11:00","Count":1,"Data":[)" + trace +
      "]}";
  auto body = [&](const std::string& key) {
    return "RequestData=" + enc(rd) +
           "&RequestType=101&DataSign=" + enc(KuaidiniaoCodec::sign(rd, key));
  };
  auto r = post("/push/kuaidiniao", body("WRONG"));
  EXPECT_EQ(boost::json::parse(r.body).as_object()["Success"], false);
  EXPECT_EQ(events(), 0);
  r = post("/push/kuaidiniao", body("APPKEY"));
  auto reply = boost::json::parse(r.body).as_object();
  EXPECT_EQ(reply["Success"], true);
  EXPECT_EQ(reply["EBusinessID"], "1234567");
  EXPECT_EQ(events(), 4);
  post("/push/kuaidiniao", body("APPKEY"));
  EXPECT_EQ(events(), 4);
}

TEST_F(PushTest, SeventeenTrackWebhookNeedsItsSign) {
  service->track({test::sampleParcel("LX123456785CN")});
  std::string body =
      test::readFile(std::string(PW_TEST_DATA_DIR) + "/17track/webhook_delivered.json");
  auto r = post("/push/17track", body, {{"sign", "bad"}}, "application/json");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(events(), 0);
  r = post("/push/17track", body, {{"sign", PushListener::seventeenTrackSign(body, "TOKEN")}},
           "application/json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(events(), 2);
  EXPECT_EQ(store->findParcel("LX123456785CN").value()->stage, ParcelStage::delivered);
}

TEST_F(PushTest, LimitsAndRoutes) {
  EXPECT_EQ(post("/push/nowhere", "x").status, 404);
  EXPECT_EQ(post("/push/kuaidi100", std::string(5 * 1024 * 1024, 'x')).status, 413);
  EXPECT_EQ(post("/push/kuaidi100", "").status, 200);  // answered with result false
}
