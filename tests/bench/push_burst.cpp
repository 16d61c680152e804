// Burst run (not a test): what issue 10 measured on the push path's worst
// case. One parcel is fed 40,000 events through signed Kuaidi100 pushes (200
// new events a push); then 600 pushes to it (its last 200 events and one new
// each) from 8 connections, while `status` is asked ten times a second; then
// a second burst with SIGTERM sent in the middle of it.
//   build/tests/bench/bench_push_burst [EVENTS] [BURST]
// Prints the feed's cost per push as the stored history grows, the burst's
// rate and latency, `status` latency during it, and the time SIGTERM took.
#include "carriers/md5.h"
#include "carriers/wire.h"
#include "common/time_format.h"
#include "common/time_zone.h"
#include "load/control_ask.h"
#include "load/control_probe.h"
#include "load/daemon_config.h"
#include "load/daemon_process.h"
#include "load/exit_cleanup.h"
#include "load/free_port.h"
#include "load/kuaidi100_stub.h"
#include "load/latency_summary.h"
#include "load/load_parcels.h"
#include "load/poll_wait.h"
#include "load/report.h"
#include "load/scratch_dir.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

using namespace pw;
using namespace pw::load;
using namespace std::chrono;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr const char* kSalt = "BURST-SALT";
constexpr std::size_t kWindow = 200;  // events a push carries

// Events of the one parcel: a scan a minute, moving between two hubs that
// are never its destination, so it stays a plain transit history.
class History {
 public:
  explicit History(Timestamp first) : first_(first) {}

  std::string event(std::size_t i) const {
    auto time = formatLocalDateTime(first_ + minutes(i), TimeZone::shanghai());
    std::string text = i == 0 ? "【广州市】 广州白云区公司 已揽收"
                              : (i % 2 ? "【长沙市】 快件已到达 长沙转运中心 第"
                                       : "【武汉市】 快件离开 武汉转运中心 第") +
                                    std::to_string(i) + "次";
    return R"({"time":")" + time + R"(","ftime":")" + time + R"(","context":")" + text +
           R"(","statusCode":")" + (i == 0 ? "103" : "0") + R"("})";
  }

  /// Events [from, to), newest first, as Kuaidi100's lastResult.
  std::string lastResult(std::size_t from, std::size_t to) const {
    std::string out = R"({"message":"ok","nu":")" + trackingNumber(0) +
                      R"(","ischeck":"0","condition":"F00","com":"yuantong","status":"200",)"
                      R"("state":"0","data":[)";
    for (std::size_t i = to; i-- > from;) {
      out += event(i);
      if (i > from) out += ',';
    }
    return out + "]}";
  }

  std::string push(std::size_t from, std::size_t to) const {
    std::string param =
        R"({"status":"polling","billstatus":"got","message":"","autoCheck":"0","lastResult":)" +
        lastResult(from, to) + "}";
    return "param=" + formEncode(param) + "&sign=" + md5HexUpper(param + kSalt);
  }

 private:
  Timestamp first_;
};

// One keep-alive connection, one request at a time.
class Poster {
 public:
  explicit Poster(std::uint16_t port) : stream_(io_) {
    stream_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  /// The HTTP status, 0 when the connection failed.
  unsigned post(const std::string& body) {
    http::request<http::string_body> req{http::verb::post, "/push/kuaidi100", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    stream_.expires_after(seconds(60));
    http::write(stream_, req, ec);
    if (ec) return 0;
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res, ec);
    return ec ? 0 : res.result_int();
  }

 private:
  boost::asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct Burst {
  std::vector<double> ms;
  std::uint64_t acknowledged = 0;
  std::uint64_t failed = 0;
  double seconds = 0;
};

// `count` pushes from `connections` threads, push j carrying events
// [next + j - kWindow + 1, next + j + 1): one new event each.
Burst burst(std::uint16_t port, const History& history, std::size_t next, std::size_t count,
            int connections, std::atomic<std::size_t>* acked = nullptr) {
  Burst out;
  std::mutex mu;
  std::atomic<std::size_t> taken{0};
  auto t0 = steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&] {
      std::unique_ptr<Poster> poster;
      try {
        poster = std::make_unique<Poster>(port);
      } catch (const std::exception&) {
        return;
      }
      for (std::size_t j; (j = taken++) < count;) {
        std::size_t to = next + j + 1;
        std::string body = history.push(to - kWindow, to);
        auto s = steady_clock::now();
        unsigned status = poster->post(body);
        double ms = duration<double, std::milli>(steady_clock::now() - s).count();
        std::lock_guard lock(mu);
        if (status == 200) {
          ++out.acknowledged;
          out.ms.push_back(ms);
          if (acked) ++*acked;
        } else {
          ++out.failed;
          if (status == 0) return;  // the daemon is gone
        }
      }
    });
  for (auto& t : threads) t.join();
  out.seconds = duration<double>(steady_clock::now() - t0).count();
  return out;
}

int run(int argc, char** argv) {
  std::size_t events = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 40000;
  std::size_t count = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 600;
  if (events < kWindow || count < 1) {
    std::fprintf(stderr, "usage: bench_push_burst [EVENTS>=%zu] [BURST>=1]\n", kWindow);
    return 64;
  }
  ScratchDir dir;
  auto now = floor<seconds>(system_clock::now());
  History history(now - minutes(events + 2 * count + 10));
  Kuaidi100Stub carrier([&](std::string_view) { return history.lastResult(0, 1); }, 1);
  auto pushPort = freeLoopbackPort();
  DaemonConfig cfg;
  cfg.carrier_endpoint = carrier.queryUrl();
  cfg.salt = kSalt;
  cfg.push_listen = "127.0.0.1:" + std::to_string(pushPort);
  cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
  auto config = dir.write("pw.toml", cfg.toml());
  const std::string socket = (dir / "pw.sock").string();

  fmt::print("bench_push_burst: one parcel, {} events fed, bursts of {}; {}\n", events, count,
             describeMachine());
  auto daemon = std::make_unique<DaemonProcess>(PW_DAEMON, config, dir.path(), seconds(60));
  registerParcels(socket, 1, now - hours(24 * 40));
  waitForPolls(socket, 1, *daemon);

  heading(fmt::format("feeding {} events, {} new a push", events, kWindow));
  {
    Poster poster(pushPort);
    for (std::size_t from = 0; from < events; from += kWindow) {
      auto body = history.push(from, from + kWindow);
      auto s = steady_clock::now();
      if (poster.post(body) != 200) throw std::runtime_error("a feeding push was refused");
      double ms = duration<double, std::milli>(steady_clock::now() - s).count();
      std::size_t fed = from + kWindow;
      if (fed == kWindow || fed % (events / 4 / kWindow * kWindow) == 0 || fed == events)
        subrow(fmt::format("push bringing the parcel to {} events", fed),
               fmt::format("{:.1f} ms", ms));
    }
  }
  auto status = ask(socket, "status");
  subrow("events stored for the parcel (the cap keeps them bounded)",
         std::to_string(status.at("events").to_number<std::int64_t>()));

  heading(fmt::format("{} pushes, 8 connections, `status` asked ten times a second", count));
  ControlProbe probe(milliseconds(100));
  probe.add("status", [&] { ask(socket, "status", {}, seconds(30)); });
  probe.start();
  auto b = burst(pushPort, history, events, count, 8);
  probe.stop();
  subrow("acknowledged", fmt::format("{} of {} in {:.2f} s ({:.0f}/s); latency {}", b.acknowledged,
                                     count, b.seconds, b.acknowledged / std::max(b.seconds, 1e-9),
                                     summarize(b.ms).text()));
  for (const auto& f : probe.figures()) subrow("`" + f.name + "` meanwhile", f.text());

  heading(fmt::format("{} more pushes, SIGTERM after a third of them", count));
  std::atomic<std::size_t> acked{0};
  double stopMs = 0;
  std::thread stopper([&] {
    while (acked < count / 3) std::this_thread::sleep_for(milliseconds(1));
    stopMs = daemon->stop(seconds(60));
  });
  auto second = burst(pushPort, history, events + count, count, 8, &acked);
  stopper.join();
  subrow("SIGTERM to exit", fmt::format("{:.0f} ms", stopMs));
  subrow("acknowledged before it stopped", std::to_string(second.acknowledged));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExitCleanup::install();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "bench_push_burst: %s\n", e.what());
    return 1;
  }
}
