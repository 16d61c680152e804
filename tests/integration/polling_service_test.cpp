// The whole pipeline in one process: scheduler, curl, the fake carrier,
// codec, detection, remedies, SQLite and the alert sink, with a hand-driven clock.
#include "polling/polling_service.h"
#include "httpd/http_listener.h"
#include "store/sqlite_store.h"

#include "config/config_loader.h"
#include "net/curl_http_client.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

// Keeps lines while "the disk is full", as AlertLog does.
struct VectorSink : AlertSink {
  std::vector<boost::json::object> lines;
  std::vector<boost::json::object> kept;
  std::vector<std::string> serialised;  // lines the store handed over as it wrote them
  bool fail = false;
  bool emit(const boost::json::object& r) override {
    kept.push_back(r);
    return retry();
  }
  bool emitLine(std::string line) override {
    serialised.push_back(line);
    return AlertSink::emitLine(std::move(line));
  }
  bool retry() override {
    if (fail) return false;
    lines.insert(lines.end(), kept.begin(), kept.end());
    kept.clear();
    return true;
  }
  std::vector<boost::json::object> of(std::string_view event) const {
    std::vector<boost::json::object> out;
    for (const auto& l : lines)
      if (l.at("event").as_string() == event) out.push_back(l);
    return out;
  }
};

struct Pipeline : ::testing::Test {
  test::TempDir dir;
  boost::asio::io_context io;
  FakeCarrierServer server{io, "CUST", "KEY"};
  test::FakeClock clock{at("2024-05-04T00:00:00Z")};  // 2024-05-04 08:00 in Shanghai
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  VectorSink alerts;
  CurlHttpClient http{io, CurlLimits{}};
  std::unique_ptr<PollingService> service;

  Pipeline() {
    server.start();
    auto cfg = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
    cfg.simulator.enabled = false;
    cfg.kuaidi100 = {server.queryUrl(), "CUST", "KEY", TimeZone::shanghai()};
    cfg.poll.interval = hours(1);
    cfg.poll.max_in_flight = 4;
    // Most tests here check what an answer becomes, at a fixed pace on a
    // hand-driven clock; the schedule and the carriers' per-number rules have
    // tests of their own below and in scheduler_test.
    cfg.poll.schedule = "fixed";
    cfg.poll.aggregator_limits["kuaidi100"].number_min_gap = Seconds(0);
    cfg.poll.aggregator_limits["kuaidi100"].number_max_per_day = 0;
    // The clock is hand-driven: a rate limit would hold a burst for ever.
    cfg.poll.aggregator_limits["kuaidi100"].requests_per_second = 0;
    config = cfg;
    service = std::make_unique<PollingService>(io, *store, http, clock, alerts,
                                               std::make_shared<const Config>(cfg));
  }
  Config config;

  void runUntilIdle() {
    auto deadline = steady_clock::now() + seconds(20);
    io.run_for(milliseconds(20));
    while (!service->idle() && steady_clock::now() < deadline) io.run_for(milliseconds(20));
    io.run_for(milliseconds(20));
    ASSERT_TRUE(service->idle()) << "pipeline did not settle";
  }

  void stalledHistory(const std::string& num) {
    server.setResponse(
        num, test::kuaidi100Body(
                 num, {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
                       {"2024-05-01 18:40:00", "【杭州市】 快件已到达 杭州转运中心", "0"}}));
  }
};

}  // namespace

TEST_F(Pipeline, StalledParcelRaisesOneTaskAndOneAlert) {
  ASSERT_TRUE(store->setOutboxSinks({"reader"}));
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  auto tracked = service->track({test::sampleParcel()});
  ASSERT_TRUE(tracked[0].ok && tracked[0].inserted);
  runUntilIdle();

  auto tasks = service->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, ExceptionKind::stalled);
  EXPECT_NE(tasks[0].message.zh_cn.find("2024-05-01 18:40"), std::string::npos)
      << tasks[0].message.zh_cn;
  EXPECT_NE(tasks[0].message.zh_cn.find("杭州转运中心"), std::string::npos);
  ASSERT_EQ(alerts.lines.size(), 2u);
  EXPECT_EQ(alerts.lines[0].at("event"), "exception_raised");
  EXPECT_EQ(alerts.lines[0].at("exception_id"), tasks[0].exception_id);
  EXPECT_EQ(alerts.lines[1].at("event"), "task_raised");
  EXPECT_EQ(alerts.lines[1].at("kind"), "stalled");
  EXPECT_EQ(alerts.lines[1].at("tracking_number"), "YT1234567890123");
  EXPECT_TRUE(server.requests().at(0).signature_ok);
  // The log got the lines the commit wrote to the outbox, byte for byte.
  auto outbox = store->outboxAfter("reader", 0, 10).value();
  ASSERT_EQ(alerts.serialised.size(), 2u);
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(alerts.serialised[0], outbox[0].payload);
  EXPECT_EQ(alerts.serialised[1], outbox[1].payload);

  // Reruns and re-polls of the same history change nothing.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(service->rerun({.tracking_numbers = {"YT1234567890123"}}).value().queued, 1u);
    runUntilIdle();
  }
  EXPECT_EQ(service->tasks({}).value().size(), 1u);
  EXPECT_EQ(alerts.lines.size(), 2u) << "the same evidence is no update";
  EXPECT_EQ(server.requestCount(), 4u);
  EXPECT_EQ(store->counts().value().events, 2);
}

TEST_F(Pipeline, ParcelMovingAgainResolvesTheStall) {
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  service->track({test::sampleParcel()});
  runUntilIdle();
  server.setResponse(
      "YT1234567890123",
      test::kuaidi100Body("YT1234567890123",
                          {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
                           {"2024-05-01 18:40:00", "【杭州市】 快件已到达 杭州转运中心", "0"},
                           {"2024-05-04 07:00:00", "【杭州市】 快件离开 杭州转运中心", "0"}}));
  service->rerun({.all = true}).value();
  runUntilIdle();
  EXPECT_TRUE(service->tasks({TaskState::open}).value().empty());
  ASSERT_EQ(alerts.lines.size(), 4u);
  EXPECT_EQ(alerts.lines[2].at("event"), "exception_resolved");
  EXPECT_EQ(alerts.lines[3].at("event"), "task_closed");
  EXPECT_EQ(alerts.lines[3].at("task_id"), alerts.lines[1].at("task_id"));
}

TEST_F(Pipeline, ScheduleHonoursIntervalAndStopsAtFinalStage) {
  ASSERT_TRUE(service->start());
  server.setResponse(
      "YT1234567890123",
      test::kuaidi100Body("YT1234567890123", {{"2024-05-03 11:30:00", "已揽收", "103"}}));
  service->track({test::sampleParcel()});
  runUntilIdle();
  EXPECT_EQ(server.requestCount(), 1u);
  clock.advance(minutes(59));
  io.run_for(milliseconds(1200));  // a scheduler tick
  EXPECT_EQ(server.requestCount(), 1u);
  clock.advance(minutes(1));
  io.run_for(milliseconds(1200));
  runUntilIdle();
  EXPECT_EQ(server.requestCount(), 2u);
  server.setResponse("YT1234567890123",
                     test::kuaidi100Body("YT1234567890123",
                                         {{"2024-05-03 11:30:00", "已揽收", "103"},
                                          {"2024-05-04 09:00:00", "已签收，本人签收", "301"}},
                                         "3"));
  clock.advance(hours(1));
  io.run_for(milliseconds(1200));
  runUntilIdle();
  EXPECT_EQ(server.requestCount(), 3u);
  EXPECT_TRUE(store->pollTargets().value().empty());
  clock.advance(hours(5));
  io.run_for(milliseconds(1200));
  EXPECT_EQ(server.requestCount(), 3u);
}

TEST_F(Pipeline, FailuresAreCountedAndRetriedNotFatal) {
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  server.pushFault({.http_status = 503});
  service->track({test::sampleParcel()});
  runUntilIdle();
  auto st = service->status().value();
  EXPECT_EQ(st.counters.pollsFailed(), 1u);
  EXPECT_TRUE(service->tasks({}).value().empty());
  clock.advance(minutes(5));  // retry_after_failure in conf/parcelwatch.toml is 1m
  io.run_for(milliseconds(1200));
  runUntilIdle();
  EXPECT_EQ(service->status().value().counters.pollsOk(), 1u);
  EXPECT_EQ(service->tasks({}).value().size(), 1u);
}

TEST_F(Pipeline, NoResultForADayIsAnInvalidNumber) {
  ASSERT_TRUE(service->start());
  service->track({test::sampleParcel("YT4310000000003", "2024-05-02T00:00:00Z")});
  runUntilIdle();
  auto tasks = service->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, ExceptionKind::invalid_number);
  EXPECT_EQ(service->status().value().counters.pollsNoResult(), 1u);
}

TEST_F(Pipeline, OrderDataWithoutPickupIsNotPickedUp) {
  ASSERT_TRUE(service->start());
  server.setResponse("YT4310000000003",
                     test::kuaidi100Body("YT4310000000003",
                                         {{"2024-05-02 09:00:00", "商家已下单，等待揽收", "101"}}));
  service->track({test::sampleParcel("YT4310000000003", "2024-05-02T00:00:00Z")});
  runUntilIdle();
  auto tasks = service->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, ExceptionKind::not_picked_up);
}

// A shape that does not fit the carrier is no evidence (carriers issue more
// shapes than any table knows); the carrier's own "no result" past the grace
// period is, and the detail mentions the shape as a hint.
TEST_F(Pipeline, InvalidNumberNeedsTheCarriersWordNotTheShape) {
  ASSERT_TRUE(service->start());
  auto p = test::sampleParcel("12345678",
                              "2024-05-03T23:00:00Z");  // yuantong numbers are YT + 13 digits
  service->track({p});
  runUntilIdle();
  EXPECT_TRUE(service->tasks({}).value().empty()) << "the fake carrier has no result for it yet";
  EXPECT_EQ(service->status().value().counters.pollsNoResult(), 1u);
  clock.advance(hours(24));
  io.run_for(milliseconds(1200));
  runUntilIdle();
  auto tasks = service->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].kind, ExceptionKind::invalid_number);
  EXPECT_NE(tasks[0].detail.find("no record"), std::string::npos) << tasks[0].detail;
  EXPECT_NE(tasks[0].detail.find("format"), std::string::npos) << tasks[0].detail;
}

TEST_F(Pipeline, AlertsAFailedWriteLeftBehindAreWrittenLater) {
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  alerts.fail = true;
  service->track({test::sampleParcel()});
  runUntilIdle();
  EXPECT_TRUE(alerts.lines.empty());
  EXPECT_EQ(store->unalertedTasks().value().size(), 1u);
  alerts.fail = false;
  io.run_for(milliseconds(1200));  // the next tick retries
  ASSERT_EQ(alerts.lines.size(), 2u) << "kept lines are written in order";
  EXPECT_EQ(alerts.lines[0].at("event"), "exception_raised");
  EXPECT_EQ(alerts.lines[1].at("event"), "task_raised");
  EXPECT_TRUE(store->unalertedTasks().value().empty());
}

TEST_F(Pipeline, MaxInFlightIsRespected) {
  ASSERT_TRUE(service->start());
  server.setPermanentFault(FakeFault{.delay = milliseconds(200)});
  std::vector<Parcel> ps;
  for (int i = 0; i < 12; ++i)
    ps.push_back(test::sampleParcel("YT" + std::to_string(2000000000000LL + i)));
  service->track(ps);
  size_t peak = 0;
  auto deadline = steady_clock::now() + seconds(10);
  while (steady_clock::now() < deadline) {
    io.run_for(milliseconds(10));
    peak = std::max(peak, http.inFlight());
    if (service->idle() && server.requestCount() == 12) break;
  }
  EXPECT_EQ(server.requestCount(), 12u);
  EXPECT_LE(peak, 4u);
  EXPECT_GE(peak, 2u);
}

// The daemon's client holds what goes beyond max_in_flight and sends it as an answer comes in;
// the loop hands it up to as many again early, and the carrier still sees four at most.
TEST_F(Pipeline, ABoundedClientGetsTheNextQueriesEarlyAndTheCarrierSeesNoMore) {
  CurlLimits limits;
  limits.max_transfers = 4;
  CurlHttpClient bounded{io, limits};
  PollingService early(io, *store, bounded, clock, alerts, std::make_shared<const Config>(config));
  ASSERT_TRUE(early.start());
  server.setPermanentFault(FakeFault{.delay = milliseconds(300)});
  std::vector<Parcel> ps;
  for (int i = 0; i < 12; ++i)
    ps.push_back(test::sampleParcel("YT" + std::to_string(2000000000000LL + i)));
  early.track(ps);
  size_t handedOver = 0;
  auto until = steady_clock::now() + milliseconds(150);
  while (steady_clock::now() < until) {
    io.run_for(milliseconds(10));
    handedOver = std::max(handedOver, bounded.inFlight());
  }
  EXPECT_EQ(server.requestCount(), 4u) << "four open at the carrier";
  EXPECT_EQ(handedOver, 8u) << "four more held in the client";
  auto deadline = steady_clock::now() + seconds(10);
  while (steady_clock::now() < deadline) {
    io.run_for(milliseconds(10));
    if (early.idle() && server.requestCount() == 12) break;
  }
  EXPECT_EQ(server.requestCount(), 12u);
  // None has a history at the fake carrier: each answer is "no result", told once.
  EXPECT_EQ((early.status().value().counters.polls[{"kuaidi100", "no_result"}]), 12u);
}

TEST_F(Pipeline, StopDrainsInFlightPolls) {
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  server.pushFault({.delay = milliseconds(300)});
  service->track({test::sampleParcel()});
  io.run_for(milliseconds(100));
  ASSERT_EQ(http.inFlight(), 1u);
  bool drained = false;
  service->stop(milliseconds(5000), [&] { drained = true; });
  auto deadline = steady_clock::now() + seconds(5);
  while (!drained && steady_clock::now() < deadline) io.run_for(milliseconds(20));
  EXPECT_TRUE(drained);
  EXPECT_EQ(service->tasks({}).value().size(), 1u);  // the poll finished and was stored
  EXPECT_FALSE(service->rerun({.all = true}));
}

TEST_F(Pipeline, BuyerClaimRaisesFalseSignedAndRepeatedClaimsGoToManualReview) {
  ASSERT_TRUE(service->start());
  auto delivered = [&](const std::string& num) {
    server.setResponse(
        num, test::kuaidi100Body(
                 num,
                 {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103", "广东省广州市"},
                  {"2024-05-02 09:00:00", "【杭州市】 派件员 正在为您派件", "5", "浙江省杭州市"},
                  {"2024-05-02 10:00:00", "【杭州市】 快件已签收，签收人：本人签收", "301",
                   "浙江省杭州市"}},
                 "3"));
  };
  std::vector<std::string> numbers = {"YT5000000000001", "YT5000000000002", "YT5000000000003"};
  for (const auto& n : numbers) {
    delivered(n);
    service->track({test::sampleParcel(n)});  // all bought by buyer-1
  }
  runUntilIdle();
  EXPECT_TRUE(service->tasks({}).value().empty()) << "clean deliveries";
  for (size_t i = 0; i < numbers.size(); ++i) {
    ASSERT_EQ(service->claim(numbers[i], "买家说没收到").value(), i + 1);
    runUntilIdle();
  }
  auto tasks = service->tasks({}).value();
  ASSERT_EQ(tasks.size(), 3u);
  for (const auto& t : tasks) EXPECT_EQ(t.kind, ExceptionKind::false_signed);
  EXPECT_EQ(tasks[0].suggestion.remedy, Remedy::contact_carrier)
      << "first claim, clean track: verify";
  EXPECT_EQ(tasks[2].suggestion.remedy, Remedy::manual_review) << "third claim this month";
  EXPECT_FALSE(service->claim("YT9999999999999", ""));
}

TEST_F(Pipeline, NewEvidenceOnAnOpenExceptionIsAnUpdateLine) {
  ASSERT_TRUE(service->start());
  const std::string num = "YT1234567890123";
  server.setResponse(
      num, test::kuaidi100Body(num, {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
                                     {"2024-05-03 09:00:00", "【杭州市】 派件员 正在为您派件", "5"},
                                     {"2024-05-03 16:00:00",
                                      "【杭州市】 派送不成功，收件人电话无人接听，明日再派", ""}}));
  service->track({test::sampleParcel(num)});
  runUntilIdle();
  ASSERT_EQ(alerts.of("task_raised").size(), 1u);
  EXPECT_EQ(alerts.of("task_raised")[0].at("kind"), "delivery_failed");

  // A second failed attempt: the same exception, with more evidence.
  server.setResponse(
      num,
      test::kuaidi100Body(
          num, {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
                {"2024-05-03 09:00:00", "【杭州市】 派件员 正在为您派件", "5"},
                {"2024-05-03 16:00:00", "【杭州市】 派送不成功，收件人电话无人接听，明日再派", ""},
                {"2024-05-03 21:00:00", "【杭州市】 派送不成功，收件人要求改天派送", ""}}));
  service->rerun({.all = true}).value();
  runUntilIdle();
  EXPECT_EQ(alerts.of("task_raised").size(), 1u) << "no second task";
  auto updates = alerts.of("exception_updated");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].at("kind"), "delivery_failed");
  service->rerun({.all = true}).value();
  runUntilIdle();
  EXPECT_EQ(alerts.of("exception_updated").size(), 1u) << "nothing new, no line";
}

// 17TRACK takes 40 numbers a request: due parcels it serves go together.
TEST(SeventeenTrackBatching, DueParcelsShareOneRequestAndEachGetsItsAnswer) {
  test::TempDir dir;
  boost::asio::io_context io;
  std::vector<std::size_t> numbersPerRequest;
  std::size_t registrations = 0;
  bool down = false;
  auto sample = boost::json::parse(
      test::readFile(std::string(PW_TEST_DATA_DIR) + "/17track/gettrackinfo.json"));
  const auto entry = sample.at("data").at("accepted").at(0).as_object();
  // A fake 17TRACK: every number it is asked about is known except those
  // ending in 9, which it rejects as unregistered.
  HttpListener fake(io, [&](const HttpListener::Request& req) {
    auto asked = boost::json::parse(req.body()).as_array();
    if (req.target() == "/register") {
      registrations += asked.size();
      return makeReply(200, R"({"code":0,"data":{"accepted":[],"rejected":[]}})");
    }
    numbersPerRequest.push_back(asked.size());
    if (down) return makeReply(503, "<html>maintenance</html>");
    boost::json::array accepted, rejected;
    for (const auto& a : asked) {
      std::string n(a.at("number").as_string());
      if (n[n.size() - 3] == '9') {  // the last digit, before "CN"
        rejected.push_back(
            {{"number", n}, {"error", {{"code", -18019902}, {"message", "not registered"}}}});
        continue;
      }
      auto e = entry;
      e["number"] = n;
      accepted.push_back(e);
    }
    return makeReply(200,
                     boost::json::serialize(boost::json::object{
                         {"code", 0}, {"data", {{"accepted", accepted}, {"rejected", rejected}}}}));
  });
  auto port = fake.start({boost::asio::ip::make_address("127.0.0.1"), 0}).value();
  auto store = SqliteStore::open(dir / "pw.db").value();
  VectorSink alerts;
  CurlHttpClient http{io, CurlLimits{}};
  test::FakeClock clock{at("2024-05-10T00:00:00Z")};
  auto cfg = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
  cfg.simulator.enabled = false;
  cfg.seventeen_track_enabled = true;
  cfg.seventeen_track = {"http://127.0.0.1:" + std::to_string(port), "TOKEN"};
  cfg.default_aggregator = "17track";
  cfg.poll.max_in_flight = 2;
  PollingService service(io, *store, http, clock, alerts, std::make_shared<const Config>(cfg));
  ASSERT_TRUE(service.start());
  std::vector<Parcel> parcels;
  for (int i = 0; i < 90; ++i) {
    auto p = test::sampleParcel("LX" + std::to_string(100000000 + i) + "CN");
    p.carrier = "ems";
    parcels.push_back(p);
  }
  service.track(parcels);
  auto deadline = steady_clock::now() + seconds(20);
  while ((!service.idle() || numbersPerRequest.empty()) && steady_clock::now() < deadline)
    io.run_for(milliseconds(20));
  io.run_for(milliseconds(50));

  // 90 due parcels: 40 + 40 + 10, not 90 requests.
  std::size_t total = 0;
  for (auto n : numbersPerRequest) total += n;
  EXPECT_EQ(total, 90u);
  EXPECT_EQ(numbersPerRequest.size(), 3u);
  EXPECT_EQ(registrations, 9u) << "the rejected numbers are registered";
  EXPECT_EQ(*std::max_element(numbersPerRequest.begin(), numbersPerRequest.end()), 40u);
  auto status = service.status().value();
  EXPECT_EQ(status.counters.pollsOk(), 81u);
  EXPECT_EQ((status.counters.polls[{"17track", "not_registered"}]), 9u);
  // Every accepted parcel got its own timeline from the shared answer.
  auto one = service.parcel("LX100000000CN").value();
  EXPECT_FALSE(one.timeline.empty());

  // A failed batch fails each of its parcels, each retried on its own schedule.
  down = true;
  numbersPerRequest.clear();
  ASSERT_EQ(service.rerun({.tracking_numbers = {"LX100000001CN", "LX100000002CN"}}).value().queued,
            2u);
  deadline = steady_clock::now() + seconds(10);
  while ((!service.idle() || numbersPerRequest.empty()) && steady_clock::now() < deadline)
    io.run_for(milliseconds(20));
  EXPECT_EQ(numbersPerRequest, std::vector<std::size_t>{2});
  EXPECT_EQ(service.status().value().counters.pollsFailed(), 2u);
  EXPECT_EQ((service.status().value().counters.polls[{"17track", "http_error"}]), 2u);
}

TEST_F(Pipeline, ExceptionLinesACrashLeftUnwrittenAreReplayedAtStart) {
  // "The disk is full", then the process dies: what was kept in memory is gone.
  ASSERT_TRUE(service->start());
  stalledHistory("YT1234567890123");
  alerts.fail = true;
  service->track({test::sampleParcel()});
  runUntilIdle();
  ASSERT_TRUE(alerts.lines.empty());
  auto restart = [&] {
    service.reset();
    alerts = VectorSink{};
    service = std::make_unique<PollingService>(io, *store, http, clock, alerts,
                                               std::make_shared<const Config>(config));
    ASSERT_TRUE(service->start());
  };
  restart();
  ASSERT_EQ(alerts.lines.size(), 2u);
  EXPECT_EQ(alerts.lines[0].at("event"), "exception_raised");
  EXPECT_EQ(alerts.lines[1].at("event"), "task_raised");
  EXPECT_EQ(alerts.lines[0].at("exception_id"), service->tasks({}).value().at(0).exception_id);

  // The parcel moves on: the stall resolves while the disk is full again.
  server.setResponse(
      "YT1234567890123",
      test::kuaidi100Body("YT1234567890123",
                          {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"},
                           {"2024-05-01 18:40:00", "【杭州市】 快件已到达 杭州转运中心", "0"},
                           {"2024-05-04 07:00:00", "【杭州市】 快件离开 杭州转运中心", "0"}}));
  alerts.fail = true;
  service->rerun({.all = true}).value();
  runUntilIdle();
  restart();
  auto resolved = alerts.of("exception_resolved");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].at("kind"), "stalled");
  EXPECT_TRUE(alerts.of("exception_raised").empty()) << "what was written is not replayed";
  EXPECT_TRUE(alerts.of("task_raised").empty());

  restart();
  EXPECT_TRUE(alerts.lines.empty()) << "a replayed line is replayed once";
}

// A threshold change, then reassess --all: what the new threshold makes of
// the stored timelines is raised and resolved, with the same alert lines as
// a poll would write; a reassess with nothing changed writes nothing.
TEST_F(Pipeline, ReassessAfterAThresholdChangeRaisesAndResolvesOnlyWhatChanged) {
  ASSERT_TRUE(service->start());
  std::vector<std::string> numbers = {"YT6000000000001", "YT6000000000002", "YT6000000000003"};
  for (const auto& n : numbers) {
    stalledHistory(n);
    service->track({test::sampleParcel(n)});
  }
  runUntilIdle();
  ASSERT_EQ(service->tasks({TaskState::open}).value().size(), 3u);
  ASSERT_EQ(alerts.lines.size(), 6u);
  auto job = [&] { return service->status().value().job; };

  SQLite::Database probe((dir / "pw.db").string(), SQLite::OPEN_READONLY);
  auto version = [&] { return probe.execAndGet("PRAGMA data_version").getInt64(); };
  auto before = version();
  ASSERT_EQ(service->reassess({.all = true}).value().background, 3u);
  runUntilIdle();
  EXPECT_EQ(job().result, "raised=0 resolved=0 changed=0");
  EXPECT_EQ(alerts.lines.size(), 6u);
  EXPECT_EQ(version(), before) << "nothing changed, nothing written";

  auto longer = config;
  longer.rules.detection.stalled_after = hours(96);
  service->reconfigure(std::make_shared<const Config>(longer));
  service->reassess({.all = true}).value();
  runUntilIdle();
  EXPECT_EQ(job().result, "raised=0 resolved=3 changed=3");
  ASSERT_EQ(alerts.lines.size(), 12u);
  for (std::size_t i = 6; i < 12; i += 2) {
    EXPECT_EQ(alerts.lines[i].at("event"), "exception_resolved");
    EXPECT_EQ(alerts.lines[i + 1].at("event"), "task_closed");
  }
  EXPECT_TRUE(service->tasks({TaskState::open}).value().empty());
  EXPECT_EQ(store->counts().value().parcels_by_stage.at("in_transit"), 3);

  service->reconfigure(std::make_shared<const Config>(config));
  service->reassess({.all = true}).value();
  runUntilIdle();
  EXPECT_EQ(job().result, "raised=3 resolved=0 changed=3");
  ASSERT_EQ(alerts.lines.size(), 18u);
  for (std::size_t i = 12; i < 18; i += 2) {
    EXPECT_EQ(alerts.lines[i].at("event"), "exception_raised");
    EXPECT_EQ(alerts.lines[i + 1].at("event"), "task_raised");
  }
  auto open = service->tasks({TaskState::open}).value();
  ASSERT_EQ(open.size(), 3u);
  for (const auto& t : open) EXPECT_EQ(t.kind, ExceptionKind::stalled);

  // By kind: the parcels with that exception open, the same answer.
  service->reconfigure(std::make_shared<const Config>(longer));
  service->reassess({.kind = ExceptionKind::stalled}).value();
  runUntilIdle();
  EXPECT_EQ(job().result, "raised=0 resolved=3 changed=3");
  EXPECT_TRUE(service->tasks({TaskState::open}).value().empty());
}
