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
#include "load/poll_wait.h"
#include "load/push_feed.h"
#include "load/report.h"
#include "load/scratch_dir.h"
#include "load/wrk_runner.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

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

std::string rate(const LoadResult& r) {
  return fmt::format("{:>7.0f}/s  ({} in {:.1f} s; refused {}, errors {}; {})", r.rate(),
                     r.accepted, r.seconds, r.refused, r.errors, summarize(r.latency_ms).text());
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

// The same client and the same requests, answered without work: the
// daemon's listener (404), a trivial server, and wrk when installed.
void ceilings(LoadOptions opt, std::chrono::seconds ceilingFor, DaemonProcess& daemon,
              const PushFeed& feed, std::uint16_t pushPort, const LoadResult& pushes,
              int connections, const ScratchDir& dir) {
  opt.duration = ceilingFor;
  heading(
      fmt::format("ceilings: the same client, the same requests, {} s each", ceilingFor.count()));
  CpuMeter nopeMeter(daemon.pid());
  auto nope = runHttpLoad(
      opt,
      [&](std::uint64_t seq) {
        return LoadRequest{"/push/nope", feed.body(seq)};
      },
      [](unsigned status, std::string_view) { return status == 404; });
  auto nopeShare = nopeMeter.stop();
  subrow("daemon listener, /push/nope (404)", rate(nope));
  subrow("cores used meanwhile", nopeShare.text());
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
  subrow("in-process trivial server (200)", rate(trivial));
  subrow("pushes acknowledged are",
         fmt::format("{:.1f} % of the 404 rate, {:.1f} % of the trivial server's",
                     100 * pushes.rate() / std::max(1.0, nope.rate()),
                     100 * pushes.rate() / std::max(1.0, trivial.rate())));

  if (auto wrk = findWrk()) {
    // One fixed push (parcel 0, ten events): after its first time the daemon
    // verifies, parses and finds nothing new, so this is the push path's
    // least work, not the growing-history case above.
    std::string body = feed.body(0, 10);
    std::string base = "http://127.0.0.1:" + std::to_string(pushPort);
    auto real = runWrk(*wrk, base + "/push/kuaidi100", body, connections, ceilingFor, dir.path());
    auto wrkNope = runWrk(*wrk, base + "/push/nope", body, connections, ceilingFor, dir.path());
    heading(fmt::format("wrk, {} connections, one fixed signed push (10 events), {} s each",
                        connections, ceilingFor.count()));
    subrow("/push/kuaidi100 (a duplicate)",
           fmt::format("{:>7.0f}/s  ({} non-2xx{}{})", real.requests_per_second, real.non_2xx,
                       real.socket_errors.empty() ? "" : "; socket errors", real.socket_errors));
    subrow("/push/nope (404)", fmt::format("{:>7.0f}/s", wrkNope.requests_per_second));
    subrow("of wrk's 404 rate",
           fmt::format("the duplicate push {:.1f} %, the growing pushes above {:.1f} %",
                       100 * real.requests_per_second / std::max(1.0, wrkNope.requests_per_second),
                       100 * pushes.rate() / std::max(1.0, wrkNope.requests_per_second)));
  } else {
    heading("wrk is not installed (apt-get install wrk): its figures are skipped");
  }
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

  fmt::print("bench_push: {} parcels, {} connections, {} s; {}\n", parcels, connections, secondsArg,
             describeMachine());
  DaemonProcess daemon(PW_DAEMON, config, dir.path(), seconds(120));
  row("start to READY", fmt::format("{:.0f} ms", daemon.readyMs()));
  double registerS = registerParcels(socket, parcels, now - hours(72));
  row("register through track", fmt::format("{:.0f} ms, {:.0f} parcels/s", registerS * 1000,
                                            static_cast<double>(parcels) / registerS));
  // Every parcel polled once (the fake carrier answers its first event) before
  // the pushes start, so no poll competes with them.
  row("first poll round done",
      fmt::format("{:.0f} ms after registration", waitForPolls(socket, parcels, daemon)));
  row("client: one signed push takes",
      fmt::format("{:.1f} us to build (in every run below)", bodyCostUs(feed, parcels)));

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
  heading(fmt::format("signed Kuaidi100 pushes, histories growing (2 to {} events, one new a push)",
                      feed.eventsFor(sent ? sent - 1 : 0)));
  subrow("acknowledged", rate(pushes));
  if (!pushes.first_refusal.empty()) subrow("first refused answer", pushes.first_refusal);
  subrow("cores used", share.text());
  // When others take cores the wall-clock rate falls; pushes per second of
  // the daemon's own CPU falls much less, so it is the figure to compare
  // across disturbed runs (as long as the daemon is bound by its CPU).
  subrow("per daemon CPU-second",
         fmt::format("{:.0f} pushes acknowledged", pushes.rate() / std::max(share.daemon, 0.01)));
  subrow("daemon memory", fmt::format("RSS {:.0f} MiB, peak {:.0f} MiB", mem.rss_kib / 1024.0,
                                      mem.hwm_kib / 1024.0));
  for (const auto& f : probe.figures()) subrow("`" + f.name + "` meanwhile", f.text());

  // Ceilings: the same client and the same requests, answered without work.
  // PW_BENCH_CEILINGS=0 leaves them out: two builds compared in turn share
  // the machine's moment, and the ceiling is not what differs between them.
  if (const char* c = std::getenv("PW_BENCH_CEILINGS"); c && std::string_view(c) == "0") {
    heading("ceilings skipped (PW_BENCH_CEILINGS=0)");
  } else {
    ceilings(opt, ceilingFor, daemon, feed, pushPort, pushes, connections, dir);
  }

  if (!daemon.running()) throw std::runtime_error("parcelwatchd died:\n" + daemon.err());
  auto status = ask(socket, "status");
  fmt::print("\n");
  row("daemon after the run", fmt::format("{} pushes counted (wrk's too), {} events stored",
                                          status.at("pushes").to_number<std::int64_t>(),
                                          status.at("events").to_number<std::int64_t>()));
  row("stop (SIGTERM to exit)", fmt::format("{:.0f} ms", daemon.stop(seconds(30))));
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
