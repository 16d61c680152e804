// Notifications with the real parcelwatchd: tasks raised by polls reach a
// signed webhook on 127.0.0.1 (the fake endpoint, on its own thread like a
// remote receiver); kill -9 while deliveries are in flight loses nothing, and
// what is sent twice carries the same event id.
#include "common/time_format.h"
#include "simulator/fake_carrier_server.h"
#include "support/fake_notify_endpoint.h"
#include "support/fixtures.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <map>
#include <set>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const std::string kDaemon = PW_DAEMON;
const std::string kCtl = PW_CTL;
constexpr const char* kSecret = "e2e-webhook-secret-0123456789";

// The fake Kuaidi100 and the fake webhook, each a remote service on its own thread.
struct Remotes {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  FakeCarrierServer carrier{io, "E2E-CUSTOMER", "E2E-KEY"};
  test::FakeNotifyEndpoint hook{io, notify::SinkType::webhook, kSecret};
  std::thread thread;
  Remotes() {
    carrier.start();
    hook.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Remotes() {
    work.reset();
    io.stop();
    thread.join();
  }
};

std::string parcelLine(const std::string& num, const std::string& shippedAt) {
  return R"({"tracking_number":")" + num +
         R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市","district":"西湖区","address":"文三路 1 号"},"shipped_at":")" +
         shippedAt + R"("})";
}

std::string stalledBody(const std::string& num, int hoursAgo) {
  auto now = floor<seconds>(system_clock::now());
  auto local = [](sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); };
  return test::kuaidi100Body(
      num, {{local(now - hours(hoursAgo + 10)), "【广州市】 广州白云区公司 已揽收", "103"},
            {local(now - hours(hoursAgo)), "【杭州市】 快件已到达 杭州转运中心", "0"}});
}

struct NotifyE2E : ::testing::Test {
  test::TempDir dir;
  fs::path socket = dir / "pw.sock";

  fs::path writeConfig(Remotes& r) {
    return dir.write("pw.toml",
                     "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                     "alert_log = \"alerts.jsonl\"\n\n[carriers.kuaidi100]\nendpoint = \"" +
                         r.carrier.queryUrl() +
                         "\"\ncustomer = \"E2E-CUSTOMER\"\nkey = \"E2E-KEY\"\n"
                         "number_min_gap = \"0s\"\nnumber_max_per_day = 0\n"
                         "\n[remedies]\nmessages = \"" +
                         std::string(PW_CONF_DIR) +
                         "/messages.toml\"\n\n[[notify.sink]]\nname = \"crm\"\ntype = \"webhook\"\n"
                         "url = \"" +
                         r.hook.url() +
                         "\"\nsecret = \"env:PW_E2E_HOOK_SECRET\"\n"
                         "events = [\"task_raised\", \"exception_raised\", \"task_updated\"]\n"
                         "max_in_flight = 2\ntimeout = \"2s\"\nretry_initial = \"1s\"\n"
                         "retry_max_interval = \"1s\"\n");
  }

  test::RunResult ctl(std::vector<std::string> args,
                      std::optional<std::string> stdinText = std::nullopt) {
    std::vector<std::string> argv = {kCtl, "-s", socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path(), std::move(stdinText));
  }

  std::unique_ptr<test::Subprocess> startDaemon(const fs::path& config) {
    auto d = std::make_unique<test::Subprocess>(
        std::vector<std::string>{kDaemon, "-c", config.string()}, dir.path());
    EXPECT_TRUE(test::waitFor([&] { return ctl({"status"}).status == 0 || !d->running(); },
                              seconds(20), "the daemon to answer status"))
        << d->err();
    return d;
  }

  boost::json::object outbox() {
    auto r = ctl({"--json", "outbox"});
    if (r.status != 0) return {};
    return boost::json::parse(r.out).at("arguments").as_object();
  }
  std::int64_t backlog() {
    auto o = outbox();
    if (!o.contains("sinks") || o.at("sinks").as_array().empty()) return -1;
    const auto& s = o.at("sinks").as_array()[0].as_object();
    return s.at("backlog").as_int64() + s.at("parked").as_int64();
  }
};

TEST_F(NotifyE2E, KillNineDuringDeliveryLosesNothingAndDuplicatesKeepTheirId) {
  ::setenv("PW_E2E_HOOK_SECRET", kSecret, 1);
  Remotes remotes;
  constexpr int kParcels = 8;
  std::string lines;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  for (int i = 0; i < kParcels; ++i) {
    std::string num = "YT10000000000" + std::to_string(10 + i);
    remotes.carrier.setResponse(num, stalledBody(num, 60));
    lines += parcelLine(num, shipped) + "\n";
  }
  // A slow receiver: every call takes 600 ms, so deliveries are in flight
  // when the daemon is killed.
  remotes.hook.setStickyFault(test::NotifyFault{.delay = milliseconds(600)});
  auto config = writeConfig(remotes);
  {
    auto daemon = startDaemon(config);
    ASSERT_EQ(ctl({"track", "-"}, lines).status, 0);
    ASSERT_TRUE(test::waitFor([&] { return remotes.hook.acceptedEventIds().size() >= 2; },
                              seconds(30), "the first deliveries"))
        << daemon->err();
    daemon->signal(SIGKILL);
    daemon->wait(seconds(5));
  }
  auto before = remotes.hook.acceptedEventIds().size();
  remotes.hook.setStickyFault(std::nullopt);
  auto daemon = startDaemon(config);
  ASSERT_TRUE(test::waitFor([&] { return backlog() == 0; }, seconds(30), "an empty backlog"))
      << daemon->err();

  // Every event committed (every outbox row: none is pruned within a minute)
  // was accepted at least once; every acceptance of an id is the same event.
  SQLite::Database db((dir / "state" / "parcelwatch.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT seq FROM outbox WHERE event IN ('task_raised', 'exception_raised', "
                      "'task_updated')");
  std::set<std::string> committed;
  while (q.executeStep()) committed.insert(std::to_string(q.getColumn(0).getInt64()));
  ASSERT_GE(committed.size(), 2u * kParcels);  // exception_raised + task_raised each
  auto ids = remotes.hook.acceptedEventIds();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), committed);
  EXPECT_GT(ids.size(), before);
  // The calls in flight at the kill were taken by the receiver but never
  // marked delivered: they are sent again (at least once, never lost).
  EXPECT_GT(ids.size(), committed.size()) << "no event was sent twice";
  std::map<std::int64_t, std::string> bodyOf;
  for (const auto& e : remotes.hook.acceptedEvents()) {
    auto key = e.tracking_number + "/" + std::string(notify::toString(e.name));
    auto [it, fresh] = bodyOf.emplace(e.seq, key);
    EXPECT_EQ(it->second, key) << "seq " << e.seq << " sent as two different events";
  }
  for (const auto& c : remotes.hook.calls()) EXPECT_TRUE(c.signature_ok) << c.body;

  // The operator's view: stats per sink, a test send, bad sink names.
  auto stats = boost::json::parse(ctl({"--json", "stats"}).out).at("arguments").as_object();
  EXPECT_GE(stats.at("notify").at("crm").at("delivered").as_int64(), 1);
  auto test = ctl({"notify-test", "crm"});
  EXPECT_EQ(test.status, 0) << test.err;
  EXPECT_NE(test.out.find("crm: delivered"), std::string::npos) << test.out;
  EXPECT_EQ(ctl({"notify-test", "nope"}).status, 1);
  EXPECT_EQ(ctl({"outbox", "retry", "crm"}).status, 0);
  auto human = ctl({"outbox"});
  EXPECT_NE(human.out.find("crm"), std::string::npos) << human.out;
  std::string log = daemon->err();
  EXPECT_EQ(log.find(kSecret), std::string::npos) << "the secret is never logged";
}

}  // namespace
