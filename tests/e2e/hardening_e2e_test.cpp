// The real parcelwatchd against what a hostile network, a crash or a bad
// install throws at it: forged and flooding pushes, partial alert lines,
// configuration files it cannot read.
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/md5.h"
#include "common/time_format.h"
#include "push/push_listener.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/raw_tcp_client.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <unistd.h>
#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const std::string kDaemon = PW_DAEMON;
const std::string kCtl = PW_CTL;

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

std::string enc(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

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

std::string statusLine(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

struct Hardening : ::testing::Test {
  test::TempDir dir;
  fs::path socket = dir / "pw.sock";
  fs::path alerts = dir / "alerts.jsonl";

  std::string baseConfig(const std::string& endpoint = "http://127.0.0.1:1/") {
    return "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
           "alert_log = \"alerts.jsonl\"\n\n[poll]\ninterval = \"1h\"\n"
           "[carriers.kuaidi100]\nendpoint = \"" +
           endpoint +
           "\"\ncustomer = \"E2E-CUSTOMER\"\nkey = \"E2E-KEY\"\n"
           "[remedies]\nmessages = \"" +
           std::string(PW_CONF_DIR) + "/messages.toml\"\n";
  }
  /// `k100` goes into [carriers.kuaidi100], `extra` after everything.
  fs::path writeConfig(const std::string& k100, const std::string& extra,
                       const std::string& endpoint = "http://127.0.0.1:1/") {
    std::string text = baseConfig(endpoint);
    text.insert(text.find("[remedies]"), k100);
    return dir.write("pw.toml", text + extra);
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

  static std::uint16_t pushPort(const test::Subprocess& d) {
    std::smatch m;
    std::string err = d.err();
    if (!std::regex_search(err, m, std::regex("PUSH_LISTENING address=\\S+ port=(\\d+)"))) return 0;
    return static_cast<std::uint16_t>(std::stoi(m[1]));
  }

  std::string post(std::uint16_t port, const std::string& target, const std::string& body,
                   const std::string& extraHeader = "") {
    test::RawTcpClient c(port);
    EXPECT_TRUE(c.connected());
    std::string req = test::httpPost(target, body);
    if (!extraHeader.empty()) req.insert(req.find("\r\n") + 2, extraHeader + "\r\n");
    c.send(req);
    return c.readUntilClosed(seconds(5));
  }

  static std::string kuaidi100Push(const std::string& num, const std::string& salt) {
    auto last = boost::json::parse(stalledBody(num, 60));
    boost::json::object param{{"status", "polling"}, {"message", ""}, {"lastResult", last}};
    std::string p = boost::json::serialize(param);
    return "param=" + enc(p) + "&sign=" + md5HexUpper(p + salt);
  }

  std::vector<std::string> alertFileLines() {
    std::vector<std::string> out;
    std::istringstream in(test::readFile(alerts));
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
};

}  // namespace

TEST_F(Hardening, APushListenerNeedsTheSecretOfEveryEnabledAggregator) {
  auto config = writeConfig("", "[push]\nlisten = \"127.0.0.1:0\"\n");
  auto r = test::run({kDaemon, "-c", config.string()}, dir.path(), std::nullopt, seconds(5));
  EXPECT_EQ(r.status, 78) << r.err;
  EXPECT_NE(r.err.find("carriers.kuaidi100.salt"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "state")) << "refused before anything is created";
  auto check = test::run({kDaemon, "--check-config", config.string()}, dir.path());
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find("carriers.kuaidi100.salt"), std::string::npos) << check.err;
  // Without a listener nobody can push, and no salt is needed.
  EXPECT_EQ(test::run({kDaemon, "--check-config", writeConfig("", "").string()}, dir.path()).status,
            0);
}

TEST_F(Hardening, ForgedPushesAreRefusedAndTheRefusalNamesThePeer) {
  RemoteCarrier carrier;
  auto config = writeConfig("salt = \"S4LT\"\n", "[push]\nlisten = \"127.0.0.1:0\"\n",
                            carrier.server.queryUrl());
  auto daemon = startDaemon(config);
  auto port = pushPort(*daemon);
  ASSERT_NE(port, 0) << daemon->err();
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);

  // Kuaidiniao and 17TRACK are not enabled: their keys are empty, so anyone
  // could sign for them. Their endpoints do not exist.
  std::string trace =
      test::readFile(std::string(PW_TEST_DATA_DIR) + "/kuaidiniao/in_transit_8001.json");
  std::string rd = R"({"EBusinessID":"","Count":1,"Data":[)" + trace + "]}";
  std::string kdn =
      "RequestData=" + enc(rd) + "&RequestType=101&DataSign=" + enc(KuaidiniaoCodec::sign(rd, ""));
  EXPECT_EQ(statusLine(post(port, "/push/kuaidiniao", kdn)), "HTTP/1.1 404 Not Found");
  std::string body =
      test::readFile(std::string(PW_TEST_DATA_DIR) + "/17track/webhook_delivered.json");
  EXPECT_EQ(statusLine(post(port, "/push/17track", body,
                            "sign: " + PushListener::seventeenTrackSign(body, ""))),
            "HTTP/1.1 404 Not Found");

  auto forged = post(port, "/push/kuaidi100", kuaidi100Push("YT1000000000001", "guess"));
  EXPECT_NE(forged.find("\"result\":false"), std::string::npos) << forged;
  EXPECT_TRUE(test::waitFor(
      [&] {
        return daemon->err().find("PUSH_REJECTED source=kuaidi100 peer=127.0.0.1") !=
               std::string::npos;
      },
      seconds(5), "the refusal in the log"))
      << daemon->err();
  auto parcel = ctl({"--json", "parcel", "YT1000000000001"});
  EXPECT_EQ(boost::json::parse(parcel.out).at("arguments").at("events").as_array().size(), 0u)
      << "nothing forged was stored";

  auto good = post(port, "/push/kuaidi100", kuaidi100Push("YT1000000000001", "S4LT"));
  EXPECT_NE(good.find("\"result\":true"), std::string::npos) << good;
}

TEST_F(Hardening, PushesFromOutsideAllowFromAre403AndTheListIsReloadable) {
  RemoteCarrier carrier;
  auto config = writeConfig("salt = \"S4LT\"\n",
                            "[push]\nlisten = \"127.0.0.1:0\"\nallow_from = [\"192.0.2.0/24\", "
                            "\"2001:db8::/32\"]\n",
                            carrier.server.queryUrl());
  auto daemon = startDaemon(config);
  auto port = pushPort(*daemon);
  ASSERT_NE(port, 0) << daemon->err();
  auto answer = post(port, "/push/kuaidi100", kuaidi100Push("YT1000000000001", "S4LT"));
  EXPECT_EQ(statusLine(answer), "HTTP/1.1 403 Forbidden");
  EXPECT_TRUE(test::waitFor(
      [&] { return daemon->err().find("PUSH_FORBIDDEN peer=127.0.0.1") != std::string::npos; },
      seconds(5), "the refusal in the log"))
      << daemon->err();
  std::string text = test::readFile(config);
  text.replace(text.find("\"192.0.2.0/24\""), 14, "\"127.0.0.0/8\"");
  dir.write("pw.toml", text);
  ASSERT_EQ(ctl({"reload"}).status, 0);
  answer = post(port, "/push/kuaidi100", kuaidi100Push("YT1000000000001", "S4LT"));
  EXPECT_EQ(statusLine(answer), "HTTP/1.1 200 OK") << answer;

  dir.write("bad.toml", text + "");
  std::string bad = text;
  bad.replace(bad.find("\"127.0.0.0/8\""), 13, "\"127.0.0.0/33\"");
  auto r = test::run({kDaemon, "--check-config", dir.write("bad.toml", bad).string()}, dir.path());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("push.allow_from: bad network '127.0.0.0/33'"), std::string::npos) << r.err;
}

TEST_F(Hardening, PushListenerLimitsConnectionsAndBodies) {
  RemoteCarrier carrier;
  auto config = writeConfig("salt = \"S4LT\"\n",
                            "[push]\nlisten = \"127.0.0.1:0\"\nmax_connections = 4\n"
                            "read_timeout = \"3s\"\n",
                            carrier.server.queryUrl());
  auto daemon = startDaemon(config);
  auto port = pushPort(*daemon);
  ASSERT_NE(port, 0) << daemon->err();
  std::vector<std::unique_ptr<test::RawTcpClient>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<test::RawTcpClient>(port));
  std::this_thread::sleep_for(milliseconds(300));
  test::RawTcpClient extra(port);
  EXPECT_TRUE(extra.closedByPeer(seconds(1))) << "the fifth connection is closed at once";
  EXPECT_TRUE(test::waitFor(
      [&] { return daemon->err().find("PUSH_CONNECTION_REFUSED") != std::string::npos; },
      seconds(5), "the refused connection in the log"))
      << daemon->err();
  // The held ones are cut at the read deadline, and the listener serves again.
  EXPECT_TRUE(held[0]->closedByPeer(seconds(5)));
  held.clear();
  std::this_thread::sleep_for(milliseconds(200));
  auto ok = post(port, "/push/kuaidi100", kuaidi100Push("YT1000000000009", "S4LT"));
  EXPECT_EQ(statusLine(ok), "HTTP/1.1 200 OK") << ok;
  // Last, because the refused body's connection lingers up to 1 s to drain:
  // before the held ones it could take one of their four places.
  // Real pushes are far below 512 KiB; this is not one.
  EXPECT_EQ(statusLine(post(port, "/push/kuaidi100", std::string(600 * 1024, 'x'))),
            "HTTP/1.1 413 Payload Too Large");
}

TEST_F(Hardening, ListenAddressesAreCheckedWithTheConfiguration) {
  auto config = writeConfig("salt = \"S4LT\"\n", "[push]\nlisten = \"127.0.0.1:99999\"\n");
  auto check = test::run({kDaemon, "--check-config", config.string()}, dir.path());
  EXPECT_EQ(check.status, 1);
  EXPECT_EQ(check.err, config.string() + ":16:10: push.listen: bad port in '127.0.0.1:99999'\n");
  auto r = test::run({kDaemon, "-c", config.string()}, dir.path(), std::nullopt, seconds(5));
  EXPECT_EQ(r.status, 78) << r.err;
  EXPECT_FALSE(fs::exists(dir / "state")) << "refused before the store is opened";

  config = writeConfig("", "[metrics]\nlisten = \"127.0.0.1:70000\"\n");
  check = test::run({kDaemon, "--check-config", config.string()}, dir.path());
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find("metrics.listen: bad port in '127.0.0.1:70000'"), std::string::npos)
      << check.err;
}

TEST_F(Hardening, ConfigFilesTheDaemonCannotReadAreReportedNotCrashedOn) {
  auto folder = test::run({kDaemon, "-c", dir.path().string()}, dir.path());
  EXPECT_EQ(folder.status, 78);
  EXPECT_EQ(folder.err, "parcelwatchd: bad configuration:\n" + dir.path().string() +
                            ": is a folder, not a configuration file\n");
  auto check = test::run({kDaemon, "--check-config", dir.path().string()}, dir.path());
  EXPECT_EQ(check.status, 1);
  EXPECT_EQ(check.err, dir.path().string() + ": is a folder, not a configuration file\n");

  if (::geteuid() != 0 || !fs::exists("/usr/bin/setpriv"))
    GTEST_SKIP() << "needs root and setpriv to act as another user";
  // A folder the daemon's user cannot enter, and a file it cannot read.
  fs::permissions(dir.path(), fs::perms(0755));
  fs::create_directories(dir / "locked");
  fs::permissions(dir / "locked", fs::perms(0700));
  auto hidden = dir / "locked/pw.toml";
  fs::copy_file(writeConfig("", ""), hidden);
  auto unreadable = dir.write("unreadable.toml", test::readFile(dir / "pw.toml"));
  fs::permissions(unreadable, fs::perms(0600));
  auto asNobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups", kDaemon};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path(), std::nullopt, seconds(10));
  };
  for (const auto& file : {hidden, unreadable}) {
    auto r = asNobody({"-c", file.string()});
    EXPECT_EQ(r.status, 78) << r.err;
    EXPECT_EQ(r.err, "parcelwatchd: bad configuration:\n" + file.string() +
                         ": cannot read: Permission denied\n");
    r = asNobody({"--check-config", file.string()});
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err, file.string() + ": cannot read: Permission denied\n");
  }
}

TEST_F(Hardening, APartialLastAlertLineIsTerminatedAndReported) {
  // A full disk, then kill -9, left half a line behind.
  const std::string fragment =
      R"({"ts":"2024-05-04T00:00:00Z","event":"task_raised","task_id":1,"tr)";
  dir.write("alerts.jsonl", fragment);
  RemoteCarrier carrier;
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  carrier.server.setResponse("YT1000000000001", stalledBody("YT1000000000001", 60));
  auto daemon = startDaemon(writeConfig("", "", carrier.server.queryUrl()));
  EXPECT_NE(daemon->err().find("ALERT_LOG_PARTIAL_LINE path=" + alerts.string() +
                               " bytes=" + std::to_string(fragment.size())),
            std::string::npos)
      << daemon->err();
  ASSERT_EQ(ctl({"track", "-"}, parcelLine("YT1000000000001", shipped) + "\n").status, 0);
  ASSERT_TRUE(
      test::waitFor([&] { return alertFileLines().size() >= 3; }, seconds(20), "the alert lines"));
  auto lines = alertFileLines();
  EXPECT_EQ(lines[0], fragment);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    boost::system::error_code ec;
    auto v = boost::json::parse(lines[i], ec);
    EXPECT_FALSE(ec) << "line " << i + 1 << " is not JSON: " << lines[i];
  }
}
