// Push load run (not a test): the real parcelwatchd taking signed Kuaidi100
// subscription pushes whose histories grow, from C keep-alive connections,
// and in the same run the ceilings the rate is a fraction of:
//   build/tests/bench/bench_push [PARCELS] [CONNECTIONS] [SECONDS]
// Prints: acknowledged pushes/s, their latency, the daemon's CPU and memory,
// `status` and `tasks --limit 50` latency probed ten times a second meanwhile;
// then the same client sending the same requests to the daemon's listener on
// a path that answers 404 without work, and to a trivial in-process server;
// and wrk (if installed) posting one fixed signed push, and to the 404 path.
#include "load/bench_http_server.h"
#include "load/control_ask.h"
#include "load/control_probe.h"
#include "load/cpu_meter.h"
#include "load/daemon_config.h"
#include "load/daemon_process.h"
#include "load/exit_cleanup.h"
#include "load/free_port.h"
#include "load/http_load_client.h"
#include "load/kuaidi100_stub.h"
#include "load/latency_summary.h"
#include "load/load_parcels.h"
#include "load/push_feed.h"
#include "load/scratch_dir.h"
#include "load/wrk_runner.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

using namespace pw;
using namespace pw::load;
using namespace std::chrono;

namespace {

constexpr const char* kSalt = "LOAD-SALT";
constexpr const char* kAck = R"({"result":true,"returnCode":"200","message":"成功"})";
constexpr int kClientThreads = 2;

bool acknowledged(unsigned status, std::string_view body) {
  return status == 200 && body.starts_with(R"({"result":true)");
}

double mib(std::int64_t kib) { return static_cast<double>(kib) / 1024.0; }

void printRate(const char* what, const LoadResult& r) {
  std::printf("  %-34s %8.0f/s  (%llu in %.1f s; refused %llu, errors %llu; %s)\n", what, r.rate(),
              static_cast<unsigned long long>(r.accepted), r.seconds,
              static_cast<unsigned long long>(r.refused), static_cast<unsigned long long>(r.errors),
              summarize(r.latency_ms).text().c_str());
}

// Waits until every parcel was polled once (the fake carrier answers each with
// its first event), so no poll competes with the pushes.
double waitForFirstRound(const std::string& socket, std::uint64_t parcels, DaemonProcess& daemon) {
  auto t0 = steady_clock::now();
  auto lastProgress = t0;
  std::uint64_t last = 0;
  while (true) {
    auto polled = pollsIn(ask(socket, "status"));
    if (polled >= parcels) break;
    if (polled != last) lastProgress = steady_clock::now(), last = polled;
    if (steady_clock::now() - lastProgress > seconds(120) || !daemon.running())
      throw std::runtime_error("the first poll round stopped at " + std::to_string(polled) +
                               " of " + std::to_string(parcels) + " parcels");
    std::this_thread::sleep_for(milliseconds(100));
  }
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

// Microseconds to build one signed push on one thread: the client's own cost,
// paid in the push run and in the ceiling runs alike.
double bodyCostUs(const PushFeed& feed, std::uint64_t firstSeq) {
  constexpr int kN = 2000;
  auto t0 = steady_clock::now();
  std::size_t bytes = 0;
  for (int i = 0; i < kN; ++i) bytes += feed.body(firstSeq + static_cast<std::uint64_t>(i)).size();
  double us = duration<double, std::micro>(steady_clock::now() - t0).count() / kN;
  return bytes ? us : 0;
}

int run(int argc, char** argv) {
  long parcelsArg = argc > 1 ? std::atol(argv[1]) : 20000;
  int connections = argc > 2 ? std::atoi(argv[2]) : 32;
  int secondsArg = argc > 3 ? std::atoi(argv[3]) : 20;
  if (parcelsArg < 1 || connections < 1 || secondsArg < 1) {
    std::fprintf(stderr, "usage: bench_push [PARCELS>=1] [CONNECTIONS>=1] [SECONDS>=1]\n");
    return 64;
  }
  auto parcels = static_cast<std::uint64_t>(parcelsArg);
  auto runFor = seconds(secondsArg);
  auto ceilingFor = std::min(runFor, seconds(10));

  ScratchDir dir;
  auto now = floor<seconds>(system_clock::now());
  PushFeed feed(parcels, kSalt, now - hours(45));
  Kuaidi100Stub carrier(
      [&](std::string_view num) -> std::optional<std::string> {
        auto i = parcelIndex(num);
        if (!i || *i >= parcels) return std::nullopt;
        return feed.lastResult(*i, 1);
      },
      1);
  auto pushPort = freeLoopbackPort();
  DaemonConfig cfg;
  cfg.carrier_endpoint = carrier.queryUrl();
  cfg.salt = kSalt;
  cfg.push_listen = "127.0.0.1:" + std::to_string(pushPort);
  cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
  auto config = dir.write("pw.toml", cfg.toml());
  const std::string socket = (dir / "pw.sock").string();

  std::printf("bench_push: %llu parcels, %d connections, %d s; %s\n",
              static_cast<unsigned long long>(parcels), connections, secondsArg,
              describeMachine().c_str());
  std::fflush(stdout);
  DaemonProcess daemon(PW_DAEMON, config, dir.path(), seconds(120));
  std::printf("start to READY                       %.0f ms\n", daemon.readyMs());

  double registerS = registerParcels(socket, parcels, now - hours(72));
  std::printf("register through track               %.0f ms, %.0f parcels/s\n", registerS * 1000,
              static_cast<double>(parcels) / registerS);
  double roundMs = waitForFirstRound(socket, parcels, daemon);
  std::printf("first poll round done                %.0f ms after registration\n", roundMs);
  std::printf("client: one signed push takes        %.1f us to build (in every run below)\n",
              bodyCostUs(feed, parcels));
  std::fflush(stdout);

  // The pushes, with an operator looking ten times a second.
  ControlProbe probe(milliseconds(100));
  probe.add("status", [&] { ask(socket, "status"); });
  probe.add("tasks --limit 50", [&] { ask(socket, "tasks", {{"limit", 50}}); });
  LoadOptions opt;
  opt.port = pushPort;
  opt.connections = connections;
  opt.threads = kClientThreads;
  opt.duration = runFor;
  CpuMeter meter(daemon.pid());
  probe.start();
  auto pushes = runHttpLoad(
      opt,
      [&](std::uint64_t seq) {
        return LoadRequest{"/push/kuaidi100", feed.body(seq)};
      },
      acknowledged);
  probe.stop();
  auto share = meter.stop();
  auto mem = daemon.memory();
  if (pushes.accepted == 0)
    throw std::runtime_error("no push was acknowledged; first answer: " + pushes.first_refusal);
  auto sent = pushes.accepted + pushes.refused;
  std::printf("\nsigned Kuaidi100 pushes, histories growing (2 to %zu events, one new per push)\n",
              feed.eventsFor(sent ? sent - 1 : 0));
  printRate("acknowledged", pushes);
  if (!pushes.first_refusal.empty())
    std::printf("  first refused answer               %s\n", pushes.first_refusal.c_str());
  std::printf("  cores used                         %s\n", share.text().c_str());
  std::printf("  daemon memory                      RSS %.0f MiB, peak %.0f MiB\n",
              mib(mem.rss_kib), mib(mem.hwm_kib));
  for (const auto& f : probe.figures())
    std::printf("  `%s` meanwhile%*s %s%s\n", f.name.c_str(), static_cast<int>(22 - f.name.size()),
                "", summarize(f.ms).text().c_str(),
                f.failures
                    ? (", " + std::to_string(f.failures) + " failed: " + f.first_failure).c_str()
                    : "");
  std::fflush(stdout);

  // Ceilings: the same client and the same requests, answered without work.
  opt.duration = ceilingFor;
  std::printf("\nceilings: the same client, the same requests, %lld s each\n",
              static_cast<long long>(ceilingFor.count()));
  CpuMeter nopeMeter(daemon.pid());
  auto nope = runHttpLoad(
      opt,
      [&](std::uint64_t seq) {
        return LoadRequest{"/push/nope", feed.body(seq)};
      },
      [](unsigned status, std::string_view) { return status == 404; });
  auto nopeShare = nopeMeter.stop();
  printRate("daemon listener, /push/nope (404)", nope);
  std::printf("  %-34s %s\n", "cores used meanwhile", nopeShare.text().c_str());
  LoadResult trivial;
  {
    BenchHttpServer server(
        [](std::string_view, std::string_view) {
          return BenchReply{200, kAck};
        },
        kClientThreads);
    opt.port = server.port();
    trivial = runHttpLoad(
        opt,
        [&](std::uint64_t seq) {
          return LoadRequest{"/push/kuaidi100", feed.body(seq)};
        },
        acknowledged);
    opt.port = pushPort;
  }
  printRate("in-process trivial server (200)", trivial);
  std::printf("  pushes are %.1f %% of the 404 ceiling, %.1f %% of the trivial server's\n",
              100 * pushes.rate() / std::max(1.0, nope.rate()),
              100 * pushes.rate() / std::max(1.0, trivial.rate()));
  std::fflush(stdout);

  if (auto wrk = findWrk()) {
    // One fixed push (parcel 0, ten events): after its first time the daemon
    // verifies, parses and finds nothing new, so this is the push path's
    // floor of work, not the growing-history case above.
    std::string body = feed.body(0, 10);
    std::string base = "http://127.0.0.1:" + std::to_string(pushPort);
    auto real = runWrk(*wrk, base + "/push/kuaidi100", body, connections, ceilingFor, dir.path());
    auto wrkNope = runWrk(*wrk, base + "/push/nope", body, connections, ceilingFor, dir.path());
    std::printf("\nwrk, %d connections, one fixed signed push (10 events)\n", connections);
    std::printf("  %-34s %8.0f/s  (%llu non-2xx%s%s)\n", "/push/kuaidi100 (a duplicate)",
                real.requests_per_second, static_cast<unsigned long long>(real.non_2xx),
                real.socket_errors.empty() ? "" : "; socket errors", real.socket_errors.c_str());
    std::printf("  %-34s %8.0f/s\n", "/push/nope (404)", wrkNope.requests_per_second);
    std::printf("  the duplicate push is %.1f %% of wrk's 404 rate; growing pushes above %.1f %%\n",
                100 * real.requests_per_second / std::max(1.0, wrkNope.requests_per_second),
                100 * pushes.rate() / std::max(1.0, wrkNope.requests_per_second));
  } else {
    std::printf("\nwrk is not installed (apt-get install wrk): its figures are skipped\n");
  }

  if (!daemon.running()) throw std::runtime_error("parcelwatchd died:\n" + daemon.err());
  auto status = ask(socket, "status");
  std::printf("\ndaemon after the run                 %lld pushes counted (wrk's too), %lld events\n",
              static_cast<long long>(status.at("pushes").to_number<std::int64_t>()),
              static_cast<long long>(status.at("events").to_number<std::int64_t>()));
  std::printf("stop (SIGTERM to exit)               %.0f ms\n", daemon.stop(seconds(30)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExitCleanup::install();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "bench_push: %s\n", e.what());
    return 1;
  }
}
