// Memory probe (not a test): the real parcelwatchd's resident memory under
// the two loads that used to keep it large.
//   build/tests/bench/bench_memory [--daemon PATH] [--connections 200] [--events 100000]
//   1. push connections held open mid-request: first as the old attack
//      (a 4 MiB Content-Length, all but one byte sent), then at the push
//      listener's own limit (push.max_body_bytes, all but one byte sent);
//   2. one poll answer of --events events (10 MB of JSON), then how much of
//      the memory it took is still held a few seconds later.
// Prints VmRSS at each step. --daemon may point at an older build, to compare.
#include "carriers/md5.h"
#include "common/time_format.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/raw_tcp_client.h"
#include "support/raw_unix_client.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

long rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string mib(long kib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(kib) / 1024.0);
  return buf;
}

std::string ask(const fs::path& socket, const std::string& request) {
  test::RawClient c(socket.string());
  if (!c.connected() || !c.send(request + "\n")) return "";
  return c.line(seconds(60));
}

// One parcel's answer with `n` events, newest first, as Kuaidi100 sends it.
std::string hugeAnswer(const std::string& num, int n) {
  auto start = floor<seconds>(system_clock::now()) - hours(24 * 30);
  std::vector<test::K100Event> events;
  events.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    events.push_back({formatLocalDateTime(start + seconds(i * 20), TimeZone::shanghai()),
                      "【杭州市】 快件已到达 杭州转运中心 第" + std::to_string(i) + "次扫描", "0"});
  return test::kuaidi100Body(num, events);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"parcelwatchd memory probe"};
  std::string daemonPath = PW_DAEMON;
  int connections = 200;
  int events = 100000;
  bool newLimits = true;
  cli.add_option("--daemon", daemonPath, "parcelwatchd binary")->capture_default_str();
  cli.add_option("--connections", connections, "push connections held")->capture_default_str();
  cli.add_option("--events", events, "events in the large poll answer")->capture_default_str();
  cli.add_flag("!--old", newLimits, "the binary predates push.max_body_bytes (issue 10)");
  CLI11_PARSE(cli, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  test::TempDir dir;
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  FakeCarrierServer carrier(io, "MEM-CUSTOMER", "MEM-KEY");
  carrier.start();
  std::thread carrierThread([&] { io.run(); });
  const std::string big = "YT7100000000001";
  carrier.setResponse(big, hugeAnswer(big, events));

  auto config =
      dir.write("pw.toml",
                "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                "alert_log = \"alerts.jsonl\"\n[poll]\ninterval = \"1h\"\n"
                "max_response_bytes = 268435456\nrequest_timeout = \"2m\"\n"
                "[carriers.kuaidi100]\nendpoint = \"" +
                    carrier.queryUrl() +
                    "\"\ncustomer = \"MEM-CUSTOMER\"\nkey = \"MEM-KEY\"\nsalt = \"MEM-SALT\"\n"
                    "[push]\nlisten = \"127.0.0.1:0\"\n" +
                    (newLimits ? "max_connections = 1024\n" : "") + "[remedies]\nmessages = \"" +
                    std::string(PW_CONF_DIR) + "/messages.toml\"\n");
  test::Subprocess daemon({daemonPath, "-c", config.string()}, dir.path());
  std::uint16_t port = 0;
  for (int i = 0; i < 500 && !port; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    std::smatch m;
    std::string err = daemon.err();
    if (ask(dir / "pw.sock", R"({"command":"status"})").find("\"result\":0") != std::string::npos &&
        std::regex_search(err, m, std::regex("PUSH_LISTENING address=\\S+ port=(\\d+)")))
      port = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  if (!port) {
    std::cerr << "daemon did not start:\n" << daemon.err();
    return 1;
  }
  std::this_thread::sleep_for(seconds(1));
  long baseline = rssKiB(daemon.pid());
  std::cout << "baseline: " << mib(baseline) << "\n";

  auto hold = [&](std::size_t declared, const std::string& what) {
    std::vector<std::unique_ptr<test::RawTcpClient>> held;
    std::string body(declared - 1, 'x');
    for (int i = 0; i < connections; ++i) {
      auto c = std::make_unique<test::RawTcpClient>(port);
      c->send(
          "POST /push/kuaidi100 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
          "application/x-www-form-urlencoded\r\nContent-Length: " +
          std::to_string(declared) + "\r\n\r\n");
      c->send(body);  // refused early, the send fails: that is the point
      held.push_back(std::move(c));
    }
    std::this_thread::sleep_for(seconds(2));
    std::cout << connections << " connections held, " << what << ": " << mib(rssKiB(daemon.pid()))
              << " (peak so far " << mib([&] {
                   std::ifstream in("/proc/" + std::to_string(daemon.pid()) + "/status");
                   for (std::string line; std::getline(in, line);)
                     if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
                   return -1L;
                 }())
              << ")\n";
    held.clear();
    std::this_thread::sleep_for(seconds(2));
    std::cout << "  after they closed: " << mib(rssKiB(daemon.pid())) << "\n";
  };
  hold(4 * 1024 * 1024, "4 MiB declared, all but one byte sent");
  if (newLimits) hold(512 * 1024, "512 KiB declared (the limit), all but one byte sent");

  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(24 * 31));
  std::string track =
      R"({"command":"track","arguments":{"parcels":[{"tracking_number":")" + big +
      R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市","district":"西湖区","address":"x"},"shipped_at":")" +
      shipped + R"("}]}})";
  long before = rssKiB(daemon.pid());
  auto started = steady_clock::now();
  ask(dir / "pw.sock", track);
  long peak = before;
  std::string stored;
  while (steady_clock::now() - started < seconds(120)) {
    peak = std::max(peak, rssKiB(daemon.pid()));
    auto answer = ask(dir / "pw.sock", R"({"command":"status"})");
    // Stored is what counts, not how many events were kept: the per-parcel event cap keeps
    // 500 of the 100,000.
    if (answer.find("\"polls_ok\":1") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::cout << "one " << events << "-event answer polled and stored in "
            << duration_cast<milliseconds>(steady_clock::now() - started).count()
            << " ms; RSS before " << mib(before) << ", highest seen " << mib(peak) << "\n";
  for (int s : {1, 5}) {
    std::this_thread::sleep_for(seconds(s == 1 ? 1 : 4));
    std::cout << "  " << s << " s later: " << mib(rssKiB(daemon.pid())) << "\n";
  }
  daemon.signal(SIGTERM);
  daemon.wait(seconds(10));
  guard.reset();
  io.stop();
  carrierThread.join();
  return 0;
}
