// The real parcelwatchd on PostgreSQL (store.backend = "postgres"), driven as an operator would:
// the same track / tasks / alert log / kill -9 / restart path the SQLite e2e tests take, with the
// data in the database and nothing in state_dir but the lock. Labelled `postgres`: it needs a
// server (support/pg_test_schema.h) and skips without one.
#include "common/time_format.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/pg_test_schema.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <csignal>
#include <sstream>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const std::string kDaemon = PW_DAEMON;
const std::string kCtl = PW_CTL;

// The fake Kuaidi100 on its own thread, as a remote service would be.
struct RemoteCarrier {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  FakeCarrierServer server{io, "E2E-CUSTOMER", "E2E-KEY"};
  std::thread thread;
  RemoteCarrier() {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~RemoteCarrier() {
    work.reset();
    io.stop();
    thread.join();
  }
};

std::string parcelLine(const std::string& num, const std::string& shippedAt) {
  return R"({"tracking_number":")" + num +
         R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市","district":"西湖区","address":"文三路 1 号"},"shipped_at":")" +
         shippedAt + R"(","order_value":99.5,"buyer_id":"b-1"})";
}

std::string stalledBody(const std::string& num, int hoursAgo) {
  auto now = floor<seconds>(system_clock::now());
  auto local = [](sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); };
  return test::kuaidi100Body(
      num, {{local(now - hours(hoursAgo + 10)), "【广州市】 广州白云区公司 已揽收", "103"},
            {local(now - hours(hoursAgo)), "【杭州市】 快件已到达 杭州转运中心", "0"}});
}

struct PgE2E : ::testing::Test {
  test::TempDir dir;
  std::optional<test::PgTestSchema> db;
  fs::path socket = dir / "pw.sock";
  fs::path alerts = dir / "alerts.jsonl";

  void SetUp() override {
    PW_REQUIRE_POSTGRES();
    db.emplace();
  }

  // The conninfo goes through the environment, as a secret should (env: form).
  fs::path writeConfig(const std::string& endpoint) {
    return dir.write("pw.toml",
                     "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                     "alert_log = \"alerts.jsonl\"\n\n[store]\nbackend = \"postgres\"\n"
                     "[store.postgres]\nconninfo = \"env:PW_E2E_CONNINFO\"\n\n"
                     "[poll]\ninterval = \"1h\"\n[carriers.kuaidi100]\nendpoint = \"" +
                         endpoint +
                         "\"\ncustomer = \"E2E-CUSTOMER\"\nkey = \"E2E-KEY\"\n"
                         "number_min_gap = \"0s\"\nnumber_max_per_day = 0\n"
                         "\n[remedies]\nmessages = \"" +
                         std::string(PW_CONF_DIR) + "/messages.toml\"\n");
  }

  std::unique_ptr<test::Subprocess> startDaemon(const fs::path& config) {
    auto d = std::make_unique<test::Subprocess>(
        std::vector<std::string>{kDaemon, "-c", config.string()}, dir.path(), std::nullopt,
        std::vector<std::string>{"PW_E2E_CONNINFO=" + db->conninfo()});
    EXPECT_TRUE(test::waitFor([&] { return ctl({"status"}).status == 0 || !d->running(); },
                              seconds(20), "the daemon to answer status"))
        << d->err();
    return d;
  }

  test::RunResult ctl(std::vector<std::string> args,
                      std::optional<std::string> stdinText = std::nullopt) {
    std::vector<std::string> argv = {kCtl, "-s", socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path(), std::move(stdinText));
  }

  boost::json::array tasksJson(const std::string& state = "open") {
    auto r = ctl({"--json", "tasks", "--state", state});
    if (r.status != 0) return {};
    return boost::json::parse(r.out).at("arguments").at("tasks").as_array();
  }

  std::vector<boost::json::object> alertLines(std::string_view event = "") {
    std::vector<boost::json::object> out;
    std::istringstream in(test::readFile(alerts));
    std::string line;
    while (std::getline(in, line)) {
      auto o = boost::json::parse(line).as_object();
      if (event.empty() || o.at("event").as_string() == event) out.push_back(std::move(o));
    }
    return out;
  }

  /// Reads the test's schema directly, to show the data is in PostgreSQL.
  std::int64_t count(const std::string& sql) {
    pqxx::connection conn(db->conninfo());
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql)[0].as<std::int64_t>();
  }
};

}  // namespace

TEST_F(PgE2E, OneNodeTracksDetectsAlertsAndSurvivesKillNine) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  carrier.server.setResponse("YT1000000000002", stalledBody("YT1000000000002", 2));
  auto config = writeConfig(carrier.server.queryUrl());
  {
    auto daemon = startDaemon(config);
    EXPECT_NE(daemon->err().find("STORE_OPENED backend=postgres"), std::string::npos)
        << daemon->err();
    auto tracked = ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n" +
                                           parcelLine("YT1000000000002", shipped) + "\n");
    ASSERT_EQ(tracked.status, 0) << tracked.out << tracked.err;
    ASSERT_TRUE(
        test::waitFor([&] { return tasksJson().size() == 1; }, seconds(20), "the stalled task"))
        << daemon->err();
    auto task = tasksJson().at(0).as_object();
    EXPECT_EQ(task.at("tracking_number"), "YT1000000000001");
    EXPECT_EQ(task.at("kind"), "stalled");
    ASSERT_TRUE(test::waitFor([&] { return fs::exists(alerts) && alertLines().size() == 2; },
                              seconds(5), "the alert lines"));
    EXPECT_EQ(alertLines().at(0).at("event"), "exception_raised");
    EXPECT_EQ(alertLines().at(1).at("event"), "task_raised");

    auto status = ctl({"--json", "status"});
    ASSERT_EQ(status.status, 0);
    auto st = boost::json::parse(status.out).at("arguments").as_object();
    EXPECT_EQ(st.at("parcels").as_int64(), 2);
    EXPECT_EQ(st.at("open_exceptions").as_int64(), 1);

    // The data is in PostgreSQL, and the state folder holds no database.
    EXPECT_EQ(count("SELECT count(*) FROM parcels"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM tasks"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM events"), 4);
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), 2);
    EXPECT_FALSE(fs::exists(dir / "state/parcelwatch.db"));

    daemon->signal(SIGKILL);
    daemon->wait(seconds(5));
  }
  // Restarted: nothing raised twice, a re-poll adds nothing, and SIGTERM stops it cleanly.
  auto daemon = startDaemon(config);
  EXPECT_EQ(tasksJson().size(), 1u);
  auto polled = carrier.server.requestCount();
  ASSERT_EQ(ctl({"rerun", "YT1000000000001"}).status, 0);
  ASSERT_TRUE(test::waitFor([&] { return carrier.server.requestCount() > polled; }, seconds(10),
                            "a re-poll"));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(tasksJson("all").size(), 1u);
  EXPECT_EQ(alertLines("task_raised").size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 4);
  daemon->signal(SIGTERM);
  auto code = daemon->wait(seconds(10));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << daemon->err();
}

TEST_F(PgE2E, AnUnreachableDatabaseStopsStartUpWithExit70) {
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  test::Subprocess daemon(
      {kDaemon, "-c", config.string()}, dir.path(), std::nullopt,
      {"PW_E2E_CONNINFO=host=127.0.0.1 port=1 connect_timeout=2 password=S3CRET-PW"});
  auto code = daemon.wait(seconds(20));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 70) << daemon.err();
  EXPECT_EQ(daemon.err().find("S3CRET-PW"), std::string::npos) << "the password is not logged";
}
