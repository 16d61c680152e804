// The real parcelwatchd and parcelwatchctl binaries, driven as an operator
// would: start, track, watch tasks and the alert log, signals, bad input.
#include "common/time_format.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/raw_unix_client.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <algorithm>
#include <csignal>
#include <cstring>
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

struct E2E : ::testing::Test {
  test::TempDir dir;
  fs::path socket = dir / "pw.sock";
  fs::path alerts = dir / "alerts.jsonl";

  // Kuaidi100's per-number rules (30 min apart, 48 a day) are lifted unless
  // `carrierRules`: most tests here poll one number several times in seconds.
  fs::path writeConfig(const std::string& endpoint, const std::string& extra = "",
                       bool carrierRules = false) {
    return dir.write("pw.toml",
                     "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                     "alert_log = \"alerts.jsonl\"\n\n[poll]\ninterval = \"1h\"\n"
                     "[carriers.kuaidi100]\nendpoint = \"" +
                         endpoint +
                         "\"\n"
                         "customer = \"E2E-CUSTOMER\"\nkey = \"E2E-KEY\"\n" +
                         (carrierRules ? "" : "number_min_gap = \"0s\"\nnumber_max_per_day = 0\n") +
                         "\n[remedies]\nmessages = \"" + std::string(PW_CONF_DIR) +
                         "/messages.toml\"\n" + extra);
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

  boost::json::array tasksJson(const std::string& state = "open") {
    auto r = ctl({"--json", "tasks", "--state", state});
    if (r.status != 0) return {};
    return boost::json::parse(r.out).at("arguments").at("tasks").as_array();
  }

  /// The alert log's lines, or only those of one event.
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
};

// A plain blocking GET, as a Prometheus scraper would do it.
test::RunResult scrapeMetrics(std::uint16_t port) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.expires_after(seconds(5));
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body(),
          std::string(res[http::field::content_type])};
}

std::string parcelLine(const std::string& num, const std::string& shippedAt) {
  return R"({"tracking_number":")" + num +
         R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市","district":"西湖区","address":"文三路 1 号"},"shipped_at":")" +
         shippedAt + R"(","order_value":99.5,"buyer_id":"b-1"})";
}

// A history whose last scan is `hoursAgo` hours old, in Kuaidi100's local time.
std::string stalledBody(const std::string& num, int hoursAgo) {
  auto now = floor<seconds>(system_clock::now());
  auto local = [](sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); };
  return test::kuaidi100Body(
      num, {{local(now - hours(hoursAgo + 10)), "【广州市】 广州白云区公司 已揽收", "103"},
            {local(now - hours(hoursAgo)), "【杭州市】 快件已到达 杭州转运中心", "0"}});
}

}  // namespace

TEST_F(E2E, TrackedParcelGoesStalledInTasksAndAlertLog) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  carrier.server.setResponse("YT1000000000002", stalledBody("YT1000000000002", 2));
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl(), "", true));

  std::string file = parcelLine("YT1000000000001", shipped) + "\n" +
                     parcelLine("YT1000000000002", shipped) + "\n{broken\n\n" +
                     R"({"tracking_number":"YT1000000000003","carrier":"yuantong"})" + "\n";
  auto tracked = ctl({"track", "-"}, file);
  EXPECT_EQ(tracked.status, 1) << "a rejected line makes the exit code non-zero";
  EXPECT_EQ(tracked.out,
            "line 1: YT1000000000001 registered\n"
            "line 2: YT1000000000002 registered\n"
            "line 5: YT1000000000003 rejected: field 'destination': missing\n");
  EXPECT_NE(tracked.err.find("line 3: rejected: not JSON"), std::string::npos) << tracked.err;

  ASSERT_TRUE(
      test::waitFor([&] { return tasksJson().size() == 1; }, seconds(20), "the stalled task"));
  auto task = tasksJson().at(0).as_object();
  EXPECT_EQ(task.at("tracking_number"), "YT1000000000001");
  EXPECT_EQ(task.at("kind"), "stalled");
  EXPECT_EQ(task.at("state"), "open");
  EXPECT_EQ(task.at("remedy"), "soothe_and_wait");
  EXPECT_NE(task.at("message").as_string().find("杭州转运中心"), std::string::npos);
  for (auto key : {"id", "created_at"}) EXPECT_TRUE(task.contains(key));

  auto human = ctl({"tasks"});
  EXPECT_EQ(human.status, 0);
  EXPECT_NE(human.out.find("YT1000000000001     stalled"), std::string::npos) << human.out;

  ASSERT_TRUE(test::waitFor([&] { return fs::exists(alerts) && alertLines().size() == 2; },
                            seconds(5), "the alert lines"));
  EXPECT_EQ(alertLines().at(0).at("event"), "exception_raised");
  auto line = alertLines().at(1);
  EXPECT_EQ(line.at("event"), "task_raised");
  EXPECT_EQ(line.at("kind"), "stalled");
  EXPECT_EQ(line.at("tracking_number"), "YT1000000000001");
  EXPECT_EQ(line.at("carrier"), "yuantong");
  for (auto key : {"ts", "remedy", "message"}) EXPECT_TRUE(line.contains(key)) << key;

  for (const auto& r : carrier.server.requests()) EXPECT_TRUE(r.signature_ok);

  // A rerun obeys Kuaidi100's rule (one query per number per 30 min) and
  // says until when; reassess detects again from what is stored, at once,
  // and raises nothing twice.
  auto polled = carrier.server.requestCount();
  auto rerun = ctl({"rerun", "YT1000000000001", "YT1000000000002"});
  EXPECT_EQ(rerun.status, 0);
  EXPECT_EQ(rerun.out.rfind("queued 0 parcel(s) for polling and detection now; 2 deferred by the "
                            "carrier's rules (min_gap 2) until ",
                            0),
            0u)
      << rerun.out;
  auto reassess = ctl({"reassess", "YT1000000000001", "YT1000000000002"});
  EXPECT_EQ(reassess.out,
            "reassessed 2 parcel(s) from their stored timelines: 0 exception(s) raised, 0 "
            "resolved\n");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(carrier.server.requestCount(), polled);
  EXPECT_EQ(tasksJson("all").size(), 1u);
  EXPECT_EQ(alertLines().size(), 2u);

  auto status = ctl({"--json", "status"});
  ASSERT_EQ(status.status, 0);
  auto st = boost::json::parse(status.out).at("arguments").as_object();
  EXPECT_EQ(st.at("parcels").as_int64(), 2);
  EXPECT_EQ(st.at("open_exceptions").as_int64(), 1);

  daemon->signal(SIGTERM);
  auto code = daemon->wait(seconds(10));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << daemon->err();
  EXPECT_FALSE(fs::exists(socket)) << "the socket is removed on the way out";
}

TEST_F(E2E, RestartAfterKillNineKeepsTasksAndRaisesNothingTwice) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  auto config = writeConfig(carrier.server.queryUrl());
  {
    auto daemon = startDaemon(config);
    ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);
    ASSERT_TRUE(
        test::waitFor([&] { return tasksJson().size() == 1; }, seconds(20), "the stalled task"));
    // The task's alert line is marked written in a transaction a moment after it is written;
    // a kill between the two repeats the line at the next start, as promised (a line may
    // repeat, never vanish). What this test is about is what the re-poll after a kill raises:
    // it kills once the mark is committed (it failed now and then when the kill fell between).
    ASSERT_TRUE(test::waitFor(
        [&] {
          SQLite::Database db((dir / "state/parcelwatch.db").string(), SQLite::OPEN_READONLY);
          return db.execAndGet("SELECT count(*) FROM tasks WHERE alerted_at IS NOT NULL")
                     .getInt() == 1;
        },
        seconds(20), "the task's alert line marked written"));
    daemon->signal(SIGKILL);
    daemon->wait(seconds(5));
  }
  auto daemon = startDaemon(config);  // replaces the stale socket
  EXPECT_EQ(tasksJson().size(), 1u);
  ASSERT_EQ(ctl({"rerun", "YT1000000000001"}).status, 0);
  ASSERT_TRUE(
      test::waitFor([&] { return carrier.server.requestCount() >= 2; }, seconds(10), "a re-poll"));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(tasksJson("all").size(), 1u);
  EXPECT_EQ(alertLines("task_raised").size(), 1u);
}

TEST_F(E2E, EmbeddedDefaultShowsAStalledParcelWithinAMinute) {
  // The quick-start configuration, copied so its ../state lands in the temp dir.
  fs::create_directories(dir / "conf/simulator");
  for (auto f : {"parcelwatch.toml", "messages.toml", "simulator/samples.json"})
    fs::copy_file(fs::path(PW_CONF_DIR) / f, dir / "conf" / f);
  auto started = steady_clock::now();
  test::Subprocess daemon({kDaemon, "-c", (dir / "conf/parcelwatch.toml").string()}, dir.path());
  socket = dir / "state/parcelwatch.sock";
  alerts = dir / "state/alerts.jsonl";
  ASSERT_TRUE(test::waitFor(
      [&] {
        for (const auto& t : tasksJson())
          if (t.at("kind") == "stalled") return true;
        return false;
      },
      seconds(60), "a stalled task from the embedded default"))
      << daemon.err();
  EXPECT_LT(steady_clock::now() - started, seconds(60));
  bool alerted = false;
  for (const auto& l : alertLines()) alerted = alerted || l.at("kind") == "stalled";
  EXPECT_TRUE(alerted);
  EXPECT_NE(daemon.err().find("TASK_RAISED"), std::string::npos);
  auto status = ctl({"status"});
  EXPECT_EQ(status.status, 0);
  EXPECT_NE(status.out.find("parcels          6"), std::string::npos) << status.out;
  daemon.signal(SIGINT);
  EXPECT_EQ(daemon.wait(seconds(10)), 0);
}

TEST_F(E2E, BadConfigStopsStartUpWithFileLineAndExit78) {
  auto config = writeConfig("http://127.0.0.1:1/", "[detect]\nstalled_after = \"0s\"\n");
  auto r = test::run({kDaemon, "-c", config.string()}, dir.path());
  EXPECT_EQ(r.status, 78);
  EXPECT_EQ(r.err, "parcelwatchd: bad configuration:\n" + config.string() +
                       ":18:17: detect.stalled_after: must be between 1m and 60d\n");

  auto syntax = dir.write("syntax.toml", "[daemon\n");
  r = test::run({kDaemon, "-c", syntax.string()}, dir.path());
  EXPECT_EQ(r.status, 78);
  EXPECT_EQ(r.err, "parcelwatchd: bad configuration:\n" + syntax.string() +
                       ":1:8: Error while parsing table header: expected ']', saw '\\n'\n");

  r = test::run({kDaemon, "--check-config", config.string()}, dir.path());
  EXPECT_EQ(r.status, 1);
  r = test::run({kDaemon, "--check-config", writeConfig("http://127.0.0.1:1/").string()},
                dir.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, (dir / "pw.toml").string() + ": configuration OK\n");
  EXPECT_EQ(test::run({kDaemon, "--no-such-flag"}, dir.path()).status, 64);
}

TEST_F(E2E, SecondInstanceOnTheSameSocketIsRefused) {
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  auto first = startDaemon(config);
  auto second = test::run({kDaemon, "-c", config.string()}, dir.path(), std::nullopt, seconds(10));
  EXPECT_NE(second.status, 0);
  EXPECT_NE(second.err.find("another parcelwatchd (pid " + std::to_string(first->pid()) +
                            ") is running on state_dir " + (dir / "state").string()),
            std::string::npos)
      << second.err;
  EXPECT_TRUE(first->running());
  EXPECT_EQ(ctl({"status"}).status, 0);
}

TEST_F(E2E, SocketFolderMoreOpenThan0750IsRefused) {
  fs::create_directories(dir / "open");
  fs::permissions(dir / "open", fs::perms(0755));
  auto config = writeConfig("http://127.0.0.1:1/");
  std::string text = test::readFile(config);
  const std::string from = "control_socket = \"pw.sock\"";
  text.replace(text.find(from), from.size(), "control_socket = \"open/pw.sock\"");
  dir.write("pw.toml", text);
  auto r = test::run({kDaemon, "-c", config.string()}, dir.path(), std::nullopt,
                     std::chrono::seconds(10));
  EXPECT_EQ(r.status, 70);
  EXPECT_NE(r.err.find("control socket folder " + (dir / "open").string() +
                       " is mode 0755; it must not be more open than 0750"),
            std::string::npos)
      << r.err;
}

TEST_F(E2E, CtlExitCodes) {
  EXPECT_EQ(ctl({"status"}).status, 69) << "daemon unreachable";
  EXPECT_EQ(ctl({"frobnicate"}).status, 64);
  EXPECT_EQ(ctl({}).status, 64);

  RemoteCarrier carrier;
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl()));
  EXPECT_EQ(ctl({"rerun"}).status, 64);
  auto r = ctl({"rerun", "YT9999999999999"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: rerun: no parcel YT9999999999999 is tracked\n");
  r = ctl({"--json", "rerun", "YT9999999999999"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, R"({"result":1,"text":"rerun: no parcel YT9999999999999 is tracked"})"
                   "\n");
  r = ctl({"tasks", "--state", "bogus"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(ctl({"track", (dir / "missing.jsonl").string()}).status, 66);
  EXPECT_EQ(ctl({"commands"}).status, 0);
}

// sd_notify without systemd: a datagram socket as NOTIFY_SOCKET, as systemd would.
TEST_F(E2E, NotifiesReadyWatchdogAndStopping) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = (dir / "notify.sock").string();
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto readAll = [&](std::chrono::milliseconds within) {
    std::string all;
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) all.append(buf, static_cast<size_t>(n)).push_back('\n');
    }
    return all;
  };
  RemoteCarrier carrier;
  test::Subprocess daemon({kDaemon, "-c", writeConfig(carrier.server.queryUrl()).string()},
                          dir.path(), std::nullopt,
                          {"NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=400000"});
  std::string got = readAll(std::chrono::milliseconds(1500));
  EXPECT_NE(got.find("READY=1"), std::string::npos) << got << daemon.err();
  EXPECT_NE(got.find("STATUS=watching 0 parcels, 0 open exceptions"), std::string::npos) << got;
  int pings = 0;
  for (auto at = got.find("WATCHDOG=1"); at != std::string::npos;
       at = got.find("WATCHDOG=1", at + 1))
    ++pings;
  EXPECT_GE(pings, 3) << "pinged every 200 ms";
  daemon.signal(SIGHUP);  // systemctl reload
  got = readAll(std::chrono::milliseconds(600));
  auto reloading = got.find("RELOADING=1\nMONOTONIC_USEC=");
  EXPECT_NE(reloading, std::string::npos) << got;
  EXPECT_NE(got.find("READY=1", reloading), std::string::npos) << "ready again after the reload";
  daemon.signal(SIGTERM);
  got = readAll(std::chrono::milliseconds(800));
  EXPECT_NE(got.find("STOPPING=1"), std::string::npos) << got;
  EXPECT_EQ(daemon.wait(std::chrono::seconds(5)), 0);
  ::close(fd);
}

TEST_F(E2E, ParcelTaskUntrackAndVersionCommands) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl()));
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);
  ASSERT_TRUE(
      test::waitFor([&] { return tasksJson().size() == 1; }, seconds(20), "the stalled task"));

  auto p = ctl({"parcel", "YT1000000000001"});
  EXPECT_EQ(p.status, 0);
  EXPECT_NE(p.out.find("YT1000000000001  yuantong  in_transit"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("stalled          open"), std::string::npos) << p.out;
  auto pj = boost::json::parse(ctl({"--json", "parcel", "YT1000000000001"}).out).at("arguments");
  EXPECT_EQ(pj.at("events").as_array().size(), 2u);
  EXPECT_EQ(pj.at("exceptions").as_array().at(0).at("kind"), "stalled");
  EXPECT_EQ(pj.at("parcel").at("destination").at("city"), "杭州市");

  auto id = std::to_string(tasksJson().at(0).at("id").as_int64());
  EXPECT_EQ(ctl({"task", id, "ack", "--outcome", "called the buyer"}).out,
            "task " + id + " is acked\n");
  EXPECT_EQ(ctl({"task", id, "reopen"}).status, 64);
  EXPECT_EQ(ctl({"task", "9999", "done"}).err, "error: task: no task 9999\n");
  ASSERT_TRUE(
      test::waitFor([&] { return alertLines().size() == 3; }, seconds(5), "the task_updated line"));
  EXPECT_EQ(alertLines().at(2).at("event"), "task_updated");
  EXPECT_EQ(alertLines().at(2).at("outcome"), "called the buyer");

  EXPECT_EQ(ctl({"untrack", "YT1000000000001"}).out, "no longer watching YT1000000000001\n");
  EXPECT_EQ(ctl({"parcel", "YT1000000000001"}).status, 1);
  EXPECT_EQ(ctl({"untrack", "YT1000000000001"}).status, 1);
  EXPECT_EQ(ctl({"version"}).out, "0.1.0\n");

  // logrotate's move-then-reopen: new lines go to the new file, none are lost.
  fs::rename(alerts, dir / "alerts.jsonl.1");
  EXPECT_EQ(ctl({"reopen-logs"}).out, "reopened " + alerts.string() + "\n");
  carrier.server.setResponse("YT1000000000002", stalledBody("YT1000000000002", 60));
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000002", shipped) + "\n").status, 0);
  ASSERT_TRUE(test::waitFor([&] { return fs::exists(alerts) && alertLines().size() == 2; },
                            seconds(10), "the next alert in the new file"));
  EXPECT_EQ(alertLines().at(0).at("tracking_number"), "YT1000000000002");
}

TEST_F(E2E, ReloadKeepsTheOldConfigWhenTheNewIsBrokenAndNamesRestartKeys) {
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  const std::string good = test::readFile(config);
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  auto daemon = startDaemon(config);
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);
  ASSERT_TRUE(test::waitFor([&] { return tasksJson().size() == 1; }, seconds(20),
                            "a stall under the 48h threshold"));
  auto setting = [&](const std::string& key) {
    auto r = ctl({"--json", "config"});
    return std::string(
        boost::json::parse(r.out).at("arguments").at("settings").at(key).as_string());
  };
  EXPECT_EQ(setting("detect.stalled_after"), "\"48h\"");
  EXPECT_EQ(setting("carriers.kuaidi100.key"), "\"********\"") << "secrets never leave the daemon";
  auto shown = ctl({"config"});
  ASSERT_EQ(shown.status, 0) << shown.err;
  EXPECT_NE(shown.out.find("carriers.kuaidi100.key = \"********\""), std::string::npos);
  EXPECT_EQ(shown.out.find("E2E-KEY"), std::string::npos);

  // A broken file: SIGHUP (systemctl reload) and `reload` both keep the old one.
  dir.write("pw.toml", good + "[detect]\nstalled_after = \"0s\"\n");
  daemon->signal(SIGHUP);
  ASSERT_TRUE(
      test::waitFor([&] { return daemon->err().find("CONFIG_RELOAD_FAILED") != std::string::npos; },
                    seconds(5), "the reload failure in the log"));
  EXPECT_TRUE(daemon->running());
  auto r = ctl({"reload"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: reload failed, still running on the previous configuration:\n" +
                       config.string() +
                       ":18:17: detect.stalled_after: must be between 1m and 60d\n");
  EXPECT_EQ(setting("detect.stalled_after"), "\"48h\"");
  dir.write("pw.toml", "[daemon\n");
  EXPECT_EQ(ctl({"reload"}).status, 1);
  EXPECT_EQ(ctl({"status"}).status, 0);

  // A good one applies live; what needs a restart is named, not applied.
  std::string salted = good;
  salted.replace(salted.find("key = \"E2E-KEY\"\n"), 16,
                 "key = \"E2E-KEY\"\nsalt = \"E2E-SALT\"\n");
  dir.write("pw.toml",
            salted + "[detect]\nstalled_after = \"72h\"\n[push]\nlisten = \"127.0.0.1:0\"\n");
  r = ctl({"reload"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "reloaded " + config.string() + "; not applied until restart: push.listen\n");
  EXPECT_EQ(setting("detect.stalled_after"), "\"72h\"");
  EXPECT_NE(ctl({"config"}).out.find("# push.listen: changed in the file, applied on restart"),
            std::string::npos);
  EXPECT_EQ(setting("push.listen"), "") << "config shows the running value: unset";
  // The new threshold is live: 60 h without a scan is no longer a stall.
  ASSERT_EQ(ctl({"reassess", "--kind", "stalled"}).status, 0);
  EXPECT_TRUE(test::waitFor([&] { return tasksJson().empty(); }, seconds(10),
                            "the stall to resolve under the 72h threshold"));
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(seconds(10)), 0);
}

TEST_F(E2E, ChangingCommandsAreRefusedToCallersOutsideTheGroup) {
  if (::geteuid() != 0 || !fs::exists("/usr/bin/setpriv"))
    GTEST_SKIP() << "needs root and setpriv to act as another user";
  // The test folder is the socket's folder: 0750, group root, so a caller
  // whose supplementary group is root can reach the socket (0660).
  fs::permissions(dir.path(), fs::perms(0750));
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  auto daemon = startDaemon(config);
  auto asNobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--groups=0", kCtl, "-s",
        socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path());
  };
  // control.group defaults to the daemon's group (root here): allowed.
  EXPECT_EQ(asNobody({"rerun", "--all"}).status, 0);
  // Narrow it to a group the caller is not in, live.
  dir.write("pw.toml", test::readFile(config) + "[control]\ngroup = \"daemon\"\n");
  ASSERT_EQ(ctl({"reload"}).status, 0);
  EXPECT_EQ(asNobody({"status"}).status, 0) << "reading is open to whoever reaches the socket";
  auto r = asNobody({"rerun", "--all"});
  EXPECT_EQ(r.status, 77);
  EXPECT_EQ(r.err,
            "error: permission denied: 'rerun' changes state; uid 65534 is not root, the daemon's "
            "user, or in group 'daemon'\n");
  EXPECT_EQ(asNobody({"reload"}).status, 77);
  EXPECT_EQ(ctl({"rerun", "--all"}).status, 0) << "root always may";
  EXPECT_NE(daemon->err().find("CONTROL_DENIED command=rerun uid=65534"), std::string::npos);
  // Without the group, the socket itself is closed to the caller.
  auto noGroup = test::run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            kCtl, "-s", socket.string(), "status"},
                           dir.path());
  EXPECT_EQ(noGroup.status, 77) << noGroup.err;
}

TEST_F(E2E, OversizedAndSlowClientsGetAnErrorAndTheDaemonGoesOn) {
  RemoteCarrier carrier;
  auto daemon = startDaemon(writeConfig(
      carrier.server.queryUrl(), "[control]\nrequest_timeout = \"1s\"\nidle_timeout = \"2s\"\n"));
  {
    test::RawClient big(socket.string());
    big.send(std::string(2 * 1024 * 1024, 'x'));
    EXPECT_EQ(big.line(), R"({"result":1,"text":"request larger than 1048576 bytes"})");
    EXPECT_TRUE(big.closedByPeer());
  }
  {
    test::RawClient slow(socket.string());
    slow.send("{\"command\":");
    auto start = steady_clock::now();
    EXPECT_EQ(
        slow.line(seconds(5)),
        R"({"result":1,"text":"timed out: a request must arrive whole within 1s of its first byte"})");
    EXPECT_LT(steady_clock::now() - start, seconds(3));
    EXPECT_TRUE(slow.closedByPeer());
  }
  {
    test::RawClient idle(socket.string());
    EXPECT_EQ(idle.line(seconds(5)),
              R"x({"result":1,"text":"timed out waiting for a command (2s idle)"})x");
  }
  {
    test::RawClient bad(socket.string());
    bad.send("not json\n{\"command\":\"nosuch\"}\n{\"command\":\"status\",\"arguments\":[]}\n");
    EXPECT_EQ(boost::json::parse(bad.line()).at("result"), 1);
    EXPECT_EQ(bad.line(), R"({"result":2,"text":"unknown command 'nosuch', try 'help'"})");
    EXPECT_EQ(boost::json::parse(bad.line()).at("result"), 1);
  }
  EXPECT_EQ(ctl({"status"}).status, 0);
  EXPECT_TRUE(daemon->running());
}

TEST_F(E2E, StatsMetricsAndExportShowWhatHappened) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  carrier.server.setResponse("YT1000000000002", stalledBody("YT1000000000002", 60));
  auto daemon =
      startDaemon(writeConfig(carrier.server.queryUrl(), "[metrics]\nlisten = \"127.0.0.1:0\"\n"));
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n" +
                                    parcelLine("YT1000000000002", shipped) + "\n")
                .status,
            0);
  ASSERT_TRUE(
      test::waitFor([&] { return tasksJson().size() == 2; }, seconds(20), "two stalled tasks"));

  auto stats = boost::json::parse(ctl({"--json", "stats"}).out).at("arguments");
  EXPECT_EQ(stats.at("polls").at("kuaidi100").at("ok").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(stats.at("open_exceptions").at("stalled").as_int64(), 2);
  EXPECT_EQ(stats.at("request_latency").at("kuaidi100").at("count").to_number<std::uint64_t>(), 2u);
  EXPECT_NE(ctl({"stats"}).out.find("kuaidi100   ok              2"), std::string::npos);

  // Prometheus text on the localhost listener (port from the start-up log).
  auto at = daemon->err().find("METRICS_LISTENING address=127.0.0.1 port=");
  ASSERT_NE(at, std::string::npos) << daemon->err();
  int port = std::stoi(daemon->err().substr(at + 41));
  auto scrape = scrapeMetrics(static_cast<std::uint16_t>(port));
  EXPECT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.err, "text/plain; version=0.0.4; charset=utf-8");  // the content type
  for (auto line : {"parcelwatch_polls_total{carrier=\"kuaidi100\",outcome=\"ok\"} 2",
                    "parcelwatch_open_exceptions{kind=\"stalled\"} 2",
                    "parcelwatch_tasks{state=\"open\"} 2", "parcelwatch_tasks{state=\"done\"} 0",
                    "parcelwatch_request_duration_seconds_count{carrier=\"kuaidi100\"} 2",
                    "# TYPE parcelwatch_polls_total counter", "parcelwatch_queue_due 0"})
    EXPECT_NE(scrape.out.find(line), std::string::npos) << line << "\n" << scrape.out;

  // export: JSON lines, every state; rerun by kind; tasks by carrier and age.
  auto exported = ctl({"export", "tasks"});
  EXPECT_EQ(exported.status, 0);
  EXPECT_EQ(std::count(exported.out.begin(), exported.out.end(), '\n'), 2);
  EXPECT_EQ(boost::json::parse(exported.out.substr(0, exported.out.find('\n'))).at("kind"),
            "stalled");
  auto exceptions = ctl({"export", "exceptions", "--open", "--kind", "stalled"});
  EXPECT_EQ(std::count(exceptions.out.begin(), exceptions.out.end(), '\n'), 2) << exceptions.out;
  EXPECT_EQ(ctl({"export", "parcels"}).status, 64);
  EXPECT_EQ(ctl({"rerun", "--kind", "stalled"}).out,
            "rerun of 2 parcel(s) started in the background: each is queried as soon as the "
            "carrier's rules allow (progress in status)\n");
  EXPECT_EQ(ctl({"rerun", "YT1000000000001", "YT1000000000002"}).status, 0);
  EXPECT_EQ(ctl({"rerun", "--kind", "lost"}).status, 1);
  auto other = ctl({"--json", "tasks", "--carrier", "zhongtong"});
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_TRUE(boost::json::parse(other.out).at("arguments").at("tasks").as_array().empty());
  EXPECT_EQ(boost::json::parse(
                ctl({"--json", "tasks", "--carrier", "yuantong", "--newer-than", "1h"}).out)
                .at("arguments")
                .at("tasks")
                .as_array()
                .size(),
            2u);
  EXPECT_EQ(boost::json::parse(ctl({"--json", "tasks", "--older-than", "1h"}).out)
                .at("arguments")
                .at("tasks")
                .as_array()
                .size(),
            0u);
  EXPECT_EQ(ctl({"help", "rerun"}).out.rfind("rerun: poll and detect now", 0), 0u);
  EXPECT_EQ(ctl({"help", "nosuch"}).status, 1);
}

// Under systemd, stderr is the journal stream: each line carries its syslog
// priority and no timestamp, and an error repeated for every parcel is
// written a few times plus a count.
TEST_F(E2E, JournalLinesCarryPrioritiesAndRepeatedErrorsAreLimited) {
  auto config = writeConfig("http://127.0.0.1:1/query");
  std::string text = test::readFile(config);
  text.replace(text.find("interval = \"1h\""), 15,
               "interval = \"1h\"\nretry_after_failure = \"1s\"");
  dir.write("pw.toml", text);
  test::Subprocess daemon(
      {"/bin/sh", "-c", "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" -c \"$1\"",
       kDaemon, config.string()},
      dir.path());
  ASSERT_TRUE(test::waitFor([&] { return ctl({"status"}).status == 0; }, seconds(20), "start"))
      << daemon.err();
  std::string lines;
  for (int i = 0; i < 8; ++i)
    lines +=
        parcelLine("YT10000000000" + std::to_string(10 + i), "2026-11-20T10:00:00+08:00") + "\n";
  ASSERT_EQ(ctl({"track", "-"}, lines).status, 0);
  std::this_thread::sleep_for(seconds(3));  // 8 parcels failing every second
  std::string err = daemon.err();
  EXPECT_NE(err.find("<6>[app] READY version="), std::string::npos) << err;
  // The allocator CMake linked (PW_MALLOC) is the one the binary runs on.
  EXPECT_NE(err.find(std::string("allocator=") + PW_MALLOC), std::string::npos) << err;
  EXPECT_NE(err.find("<4>[poll] POLL_FAILED carrier=kuaidi100"), std::string::npos) << err;
  std::size_t failed = 0;
  for (auto at = err.find("POLL_FAILED carrier="); at != std::string::npos;
       at = err.find("POLL_FAILED carrier=", at + 1))
    ++failed;
  EXPECT_EQ(failed, 5u) << "at most 5 a minute of the same failure\n" << err;
  std::string year = formatRfc3339(floor<seconds>(system_clock::now())).substr(0, 5);
  EXPECT_EQ(err.find(year), std::string::npos) << "no timestamps of our own";
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(seconds(10)), 0);
}

TEST_F(E2E, SecondInstanceOnTheSameSocketWithAnotherStateIsRefused) {
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  auto first = startDaemon(config);
  std::string text = test::readFile(config);
  text.replace(text.find("state_dir = \"state\""), 19, "state_dir = \"other\"");
  auto other = dir.write("other.toml", text);
  auto second = test::run({kDaemon, "-c", other.string()}, dir.path(), std::nullopt, seconds(10));
  EXPECT_EQ(second.status, 70);
  EXPECT_EQ(second.err,
            "parcelwatchd: cannot start: another parcelwatchd is already listening on " +
                socket.string() + "\n");
  EXPECT_EQ(ctl({"status"}).status, 0) << "the first one is untouched";
}

TEST_F(E2E, SigtermWaitsForAPollInFlightAndKeepsItsResult) {
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  auto config = writeConfig(carrier.server.queryUrl());
  auto daemon = startDaemon(config);
  carrier.server.setPermanentFault(FakeFault{.delay = milliseconds(1500)});
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);
  ASSERT_TRUE(test::waitFor([&] { return carrier.server.requestCount() >= 1; }, seconds(5),
                            "the poll to be in flight"));
  daemon->signal(SIGTERM);
  auto start = steady_clock::now();
  EXPECT_EQ(daemon->wait(seconds(10)), 0) << daemon->err();
  EXPECT_GE(steady_clock::now() - start, milliseconds(800)) << "it waited for the answer";
  EXPECT_NE(daemon->err().find("DRAINING in_flight=1"), std::string::npos) << daemon->err();
  carrier.server.setPermanentFault(std::nullopt);
  auto again = startDaemon(config);
  EXPECT_EQ(tasksJson().size(), 1u) << "the drained poll's task was committed";
}

// Every command the daemon lists refuses an argument it does not know, with
// an error answer (never silence, never a dropped connection).
TEST_F(E2E, EveryCommandAnswersBadArgumentsWithAnError) {
  RemoteCarrier carrier;
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl()));
  auto help = boost::json::parse(ctl({"--json", "help"}).out).at("arguments").at("commands");
  ASSERT_EQ(help.as_object().size(),
            22u);  // with outbox, outbox-retry, notify-test, nodes, outbox-read
  test::RawClient c(socket.string());
  for (const auto& kv : help.as_object()) {
    std::string name(kv.key());
    c.send(R"({"command":")" + name + R"(","arguments":{"bogus":1}})" + "\n");
    auto answer = boost::json::parse(c.line()).as_object();
    EXPECT_EQ(answer.at("result"), 1) << name;
    std::string text(answer.at("text").as_string());
    EXPECT_TRUE(text == "unknown argument 'bogus'" ||
                text == "export needs \"what\": \"tasks\" or \"exceptions\"")
        << name << ": " << text;
  }
  EXPECT_TRUE(daemon->running());
}

TEST_F(E2E, MainLogToAFileIsReopenedAfterLogrotate) {
  RemoteCarrier carrier;
  auto config = writeConfig(carrier.server.queryUrl());
  std::string text = test::readFile(config);
  text.insert(text.find("alert_log"), "log_file = \"parcelwatchd.log\"\n");
  dir.write("pw.toml", text);
  auto daemon = startDaemon(config);
  fs::path log = dir / "parcelwatchd.log";
  ASSERT_TRUE(
      test::waitFor([&] { return test::readFile(log).find("[app] READY") != std::string::npos; },
                    seconds(5), "READY in the log file"));
  fs::rename(log, dir / "parcelwatchd.log.1");
  ASSERT_EQ(ctl({"reopen-logs"}).status, 0);
  ASSERT_EQ(ctl({"rerun", "--all"}).status, 0);
  EXPECT_TRUE(test::waitFor(
      [&] {
        return fs::exists(log) && test::readFile(log).find("RERUN_QUEUED") != std::string::npos;
      },
      seconds(5), "new lines in the new file"));
  EXPECT_EQ(test::readFile(dir / "parcelwatchd.log.1").find("RERUN_QUEUED"), std::string::npos);
}

TEST_F(E2E, ABuyersNotReceivedClaimRaisesFalseSigned) {
  RemoteCarrier carrier;
  auto now = floor<seconds>(system_clock::now());
  auto local = [](sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); };
  carrier.server.setResponse(
      "YT1000000000001",
      test::kuaidi100Body(
          "YT1000000000001",
          {{local(now - hours(30)), "【广州市】 广州白云区公司 已揽收", "103"},
           {local(now - hours(6)), "【杭州市】 派件员 正在为您派件", "5"},
           {local(now - hours(5)), "【杭州市】 快件已签收，签收人：本人签收", "301"}},
          "3"));
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl()));
  ASSERT_EQ(
      ctl({"track", "-"}, parcelLine("YT1000000000001", formatRfc3339(now - hours(40))) + "\n")
          .status,
      0);
  ASSERT_TRUE(test::waitFor([&] { return carrier.server.requestCount() >= 1; }, seconds(10),
                            "the first poll"));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(tasksJson().empty()) << "signed by the buyer: nothing wrong yet";

  auto r = ctl({"claim", "YT1000000000001", "--note", "买家说没收到"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "claim recorded; the buyer has 1 recent claim(s); parcel re-checked\n");
  ASSERT_TRUE(
      test::waitFor([&] { return tasksJson().size() == 1; }, seconds(10), "the false_signed task"));
  EXPECT_EQ(tasksJson().at(0).at("kind"), "false_signed");
  EXPECT_EQ(ctl({"claim", "YT9999999999999"}).err,
            "error: claim: no parcel YT9999999999999 is tracked\n");
}

// A carrier outage: each failing number waits (backoff), a run of failures
// opens the aggregator's breaker, the log and stats say so, and a rerun is
// told why it waits instead of hammering the carrier.
TEST_F(E2E, ACarrierOutageOpensTheBreakerAndBacksOffEachNumber) {
  RemoteCarrier carrier;
  carrier.server.setPermanentFault(FakeFault{.http_status = 500});
  auto daemon = startDaemon(writeConfig(carrier.server.queryUrl()));
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(10));
  std::string lines;
  for (int i = 0; i < 8; ++i)
    lines += parcelLine("YT10000000001" + std::to_string(10 + i), shipped) + "\n";
  ASSERT_EQ(ctl({"track", "-"}, lines).status, 0);
  ASSERT_TRUE(test::waitFor(
      [&] { return daemon->err().find("BREAKER_OPEN carrier=kuaidi100") != std::string::npos; },
      seconds(10), "the breaker to open"))
      << daemon->err();
  auto polled = carrier.server.requestCount();
  EXPECT_LE(polled, 8u) << "each number once, then it backs off";
  auto stats = boost::json::parse(ctl({"--json", "stats"}).out).at("arguments");
  EXPECT_EQ(stats.at("schedule").at("aggregators").at("kuaidi100").at("breaker"), "open") << stats;
  auto rerun = ctl({"rerun", "YT1000000000110"});
  EXPECT_EQ(rerun.status, 0);
  EXPECT_NE(rerun.out.find("1 deferred by the carrier's rules ("), std::string::npos) << rerun.out;
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(carrier.server.requestCount(), polled) << "nothing is sent while it is open";
}
