// End-to-end load run (not a test): the real parcelwatchd against a fake
// Kuaidi100 on 127.0.0.1, driven through the control socket as operators do,
// and in the same run the ceiling of this machine for the same request.
//   build/tests/bench/bench_load [PARCELS] [MAX_IN_FLIGHT]
// Prints: start to READY (fresh, and again over the full database), the
// registration rate through `track`, the first poll round (poll, parse,
// detect, commit every parcel once), `status`, `stats`, `tasks --limit 50`
// and /metrics latency probed ten times a second during that round, the
// daemon's CPU, peak memory and database size; up to 200,000 parcels also a
// `rerun --all` round and a paged `export`; then wrk (if installed) and the
// load program's own client sending the daemon's request to the same fake
// carrier, whose rate the round is a fraction of. Works up to a million
// parcels: nothing on the client side grows with PARCELS per probe.
#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "load/control_ask.h"
#include "load/control_probe.h"
#include "load/cpu_meter.h"
#include "load/daemon_config.h"
#include "load/daemon_process.h"
#include "load/exit_cleanup.h"
#include "load/free_port.h"
#include "load/http_get.h"
#include "load/http_load_client.h"
#include "load/kuaidi100_stub.h"
#include "load/latency_summary.h"
#include "load/load_parcels.h"
#include "load/scratch_dir.h"
#include "load/shaped_histories.h"
#include "load/wrk_runner.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <thread>

using namespace pw;
using namespace pw::load;
using namespace std::chrono;

namespace {

// Above this the rerun and export repeat the first round's figures at the
// cost of many more minutes; the targets do not need them.
constexpr std::uint64_t kMaxForRerun = 200000;
constexpr int kCarrierThreads = 2;
constexpr auto kCeilingFor = seconds(5);

using Clock = steady_clock;
double ms(Clock::duration d) { return duration<double, std::milli>(d).count(); }
double mib(double bytes) { return bytes / 1048576.0; }

double fileBytes(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0.0 : static_cast<double>(n);
}

// What the `status` probe saw last: the round is over when every parcel was
// polled once, noticed at the answer's arrival (so within a probe period).
struct RoundWatch {
  std::atomic<std::uint64_t> polled{0};
  std::atomic<std::int64_t> doneAt{0};  // Clock ticks; 0 until done
};

void waitForRound(RoundWatch& watch, std::uint64_t parcels, DaemonProcess& daemon) {
  auto start = Clock::now();
  auto lastProgress = start, lastReport = start;
  std::uint64_t last = 0;
  while (watch.doneAt.load() == 0) {
    std::this_thread::sleep_for(milliseconds(50));
    auto polled = watch.polled.load();
    auto now = Clock::now();
    if (polled != last) lastProgress = now, last = polled;
    if (now - lastProgress > seconds(120) || !daemon.running())
      throw std::runtime_error("the first poll round stopped at " + std::to_string(polled) +
                               " of " + std::to_string(parcels) + " parcels");
    if (parcels >= 100000 && now - lastReport > seconds(30)) {
      lastReport = now;
      std::fprintf(stderr, "  ... %llu of %llu polled, %.0f s into the round\n",
                   static_cast<unsigned long long>(polled),
                   static_cast<unsigned long long>(parcels), duration<double>(now - start).count());
    }
  }
}

// The request the daemon sends for parcel 0, byte for byte in its body.
std::string queryBody(const std::string& endpoint) {
  Kuaidi100Settings s;
  s.endpoint = endpoint;
  s.customer = "LOAD";
  s.key = "LOAD-KEY";
  Parcel p;
  p.tracking_number = trackingNumber(0);
  p.carrier = "yuantong";
  return Kuaidi100Codec(s).buildQuery(p).body;
}

int run(int argc, char** argv) {
  long parcelsArg = argc > 1 ? std::atol(argv[1]) : 5000;
  int inFlight = argc > 2 ? std::atoi(argv[2]) : 16;
  if (parcelsArg < 4 || inFlight < 1) {
    std::fprintf(stderr, "usage: bench_load [PARCELS>=4] [MAX_IN_FLIGHT>=1]\n");
    return 64;
  }
  auto parcels = static_cast<std::uint64_t>(parcelsArg);
  ScratchDir dir;
  auto now = floor<seconds>(system_clock::now());
  ShapedHistories histories(now);
  Kuaidi100Stub carrier(
      [&](std::string_view num) -> std::optional<std::string> {
        auto i = parcelIndex(num);
        if (!i || *i >= parcels) return std::nullopt;
        return histories.body(num, *i);
      },
      kCarrierThreads);
  auto metricsPort = freeLoopbackPort();
  DaemonConfig cfg;
  cfg.carrier_endpoint = carrier.queryUrl();
  cfg.max_in_flight = inFlight;
  cfg.metrics_listen = "127.0.0.1:" + std::to_string(metricsPort);
  cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
  auto config = dir.write("pw.toml", cfg.toml());
  const std::string socket = (dir / "pw.sock").string();

  std::printf("bench_load: %llu parcels, max_in_flight %d; %s\n",
              static_cast<unsigned long long>(parcels), inFlight, describeMachine().c_str());
  std::fflush(stdout);
  auto daemon = std::make_unique<DaemonProcess>(PW_DAEMON, config, dir.path(), seconds(120));
  std::printf("start to READY, empty database       %.0f ms\n", daemon->readyMs());
  std::fflush(stdout);

  // Registration, 500 a request; polls of the first parcels start meanwhile.
  std::uint64_t reported = 0;
  double registerS = registerParcels(socket, parcels, now - hours(72), [&](std::uint64_t n) {
    if (parcels >= 200000 && n - reported >= parcels / 10) {
      reported = n;
      std::fprintf(stderr, "  ... %llu registered\n", static_cast<unsigned long long>(n));
    }
  });
  auto registered = Clock::now();
  auto polledWhileRegistering = pollsIn(ask(socket, "status"));
  std::printf("register through track               %.0f ms, %.0f parcels/s\n", registerS * 1000,
              static_cast<double>(parcels) / registerS);
  std::fflush(stdout);

  // The round, with an operator and a Prometheus scraper looking ten times a second.
  RoundWatch watch;
  ControlProbe probe(milliseconds(100));
  probe.add("status", [&] {
    auto polled = pollsIn(ask(socket, "status"));
    watch.polled = polled;
    if (polled >= parcels && watch.doneAt == 0)
      watch.doneAt = Clock::now().time_since_epoch().count();
  });
  probe.add("stats", [&] { ask(socket, "stats"); });
  probe.add("tasks --limit 50", [&] { ask(socket, "tasks", {{"limit", 50}}); });
  probe.add("GET /metrics", [&] {
    auto r = httpGet(metricsPort, "/metrics", minutes(2));
    if (r.status != 200)
      throw std::runtime_error("/metrics: " + (r.status ? std::to_string(r.status) : r.error));
  });
  CpuMeter meter(daemon->pid());
  probe.start();
  waitForRound(watch, parcels, *daemon);
  auto roundDone = Clock::time_point(Clock::duration(watch.doneAt.load()));
  auto share = meter.stop();
  probe.stop();
  double roundS = duration<double>(roundDone - registered).count();
  double windowRate = static_cast<double>(parcels - std::min(parcels, polledWhileRegistering)) /
                      std::max(roundS, 1e-3);
  std::printf("first poll round (poll, parse, detect, commit)\n");
  std::printf(
      "  done                               %.0f ms after registration, %.0f parcels/s "
      "(N / that time, as before)\n",
      roundS * 1000, static_cast<double>(parcels) / roundS);
  std::printf(
      "  polled after registration          %.0f parcels/s (%llu were polled while "
      "registering)\n",
      windowRate, static_cast<unsigned long long>(polledWhileRegistering));
  std::printf("  cores used                         %s\n", share.text().c_str());
  for (const auto& f : probe.figures())
    std::printf("  `%s` meanwhile%*s %s%s\n", f.name.c_str(), static_cast<int>(22 - f.name.size()),
                "", summarize(f.ms).text().c_str(),
                f.failures
                    ? (", " + std::to_string(f.failures) + " failed: " + f.first_failure).c_str()
                    : "");
  std::fflush(stdout);

  if (parcels <= kMaxForRerun) {
    auto before = pollsIn(ask(socket, "status"));
    auto r0 = Clock::now();
    ask(socket, "rerun", {{"all", true}});
    // Delivered parcels left the schedule, so a rerun covers the other three quarters.
    auto active = parcels - (parcels + 1) / 4;
    while (pollsIn(ask(socket, "status")) < before + active)
      std::this_thread::sleep_for(milliseconds(100));
    std::printf("rerun --all round                    %.0f ms for %llu active parcels\n",
                ms(Clock::now() - r0), static_cast<unsigned long long>(active));
    auto e0 = Clock::now();
    std::size_t exported = 0;
    std::int64_t after = 0;
    while (true) {
      auto page = ask(socket, "export", {{"what", "tasks"}, {"after_id", after}, {"limit", 1000}});
      exported += page.at("records").as_array().size();
      if (!page.contains("next_after_id")) break;
      after = page.at("next_after_id").to_number<std::int64_t>();
    }
    std::printf("export tasks                         %zu records in %.0f ms\n", exported,
                ms(Clock::now() - e0));
  } else {
    std::printf("rerun --all, export                  skipped above %llu parcels\n",
                static_cast<unsigned long long>(kMaxForRerun));
  }

  auto status = ask(socket, "status");
  auto mem = daemon->memory();
  auto db = dir / "state" / "parcelwatch.db";
  std::printf("polls ok / no result / failed        %lld / %lld / %lld\n",
              static_cast<long long>(status.at("polls_ok").to_number<std::int64_t>()),
              static_cast<long long>(status.at("polls_no_result").to_number<std::int64_t>()),
              static_cast<long long>(status.at("polls_failed").to_number<std::int64_t>()));
  std::printf("open exceptions / events             %lld / %lld\n",
              static_cast<long long>(status.at("open_exceptions").to_number<std::int64_t>()),
              static_cast<long long>(status.at("events").to_number<std::int64_t>()));
  std::printf("daemon memory                        peak RSS (VmHWM) %.0f MiB, now %.0f MiB\n",
              mib(static_cast<double>(mem.hwm_kib) * 1024),
              mib(static_cast<double>(mem.rss_kib) * 1024));
  std::printf("database                             %.1f MiB (+ WAL %.1f MiB)\n",
              mib(fileBytes(db)), mib(fileBytes(db.string() + "-wal")));
  std::fflush(stdout);

  // The ceiling: the daemon's own request, answered by the same fake carrier
  // as fast as this machine lets a client send it.
  std::string body = queryBody(carrier.queryUrl());
  LoadOptions opt;
  opt.port = carrier.port();
  opt.connections = inFlight;
  opt.threads = 2;
  opt.duration = kCeilingFor;
  auto client = runHttpLoad(
      opt,
      [&](std::uint64_t) {
        return LoadRequest{"/poll/query.do", body};
      },
      [](unsigned status, std::string_view b) {
        return status == 200 && b.starts_with("{\"message\"");
      });
  std::printf(
      "\nceiling: the daemon's request for one parcel to the same fake carrier, %d "
      "connections, %lld s\n",
      inFlight, static_cast<long long>(kCeilingFor.count()));
  std::printf("  %-34s %8.0f/s  (%s)\n", "load program's client", client.rate(),
              summarize(client.latency_ms).text().c_str());
  double ceiling = client.rate();
  const char* ceilingName = "the load program's client";
  if (auto wrk = findWrk()) {
    auto w = runWrk(*wrk, carrier.queryUrl(), body, inFlight, kCeilingFor, dir.path());
    std::printf("  %-34s %8.0f/s\n", "wrk", w.requests_per_second);
    ceiling = w.requests_per_second;
    ceilingName = "wrk's";
  } else {
    std::printf("  wrk is not installed (apt-get install wrk): the client's rate is the ceiling\n");
  }
  std::printf("  the round polled %.1f %% of %s rate (after registration; %.1f %% as N / time)\n",
              100 * windowRate / std::max(1.0, ceiling), ceilingName,
              100 * static_cast<double>(parcels) / roundS / std::max(1.0, ceiling));
  std::fflush(stdout);

  // Restart over the full database: what a systemd restart costs.
  double stopMs = daemon->stop(seconds(60));
  daemon.reset();
  std::printf("\nstop (SIGTERM to exit)               %.0f ms\n", stopMs);
  daemon = std::make_unique<DaemonProcess>(PW_DAEMON, config, dir.path(), seconds(600));
  auto restartMem = daemon->memory();
  std::printf("start to READY over %llu parcels  %.0f ms (RSS then %.0f MiB)\n",
              static_cast<unsigned long long>(parcels), daemon->readyMs(),
              mib(static_cast<double>(restartMem.rss_kib) * 1024));
  daemon->stop(seconds(60));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExitCleanup::install();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "bench_load: %s\n", e.what());
    return 1;
  }
}
