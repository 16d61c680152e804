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
#include "load/poll_wait.h"
#include "load/report.h"
#include "load/scratch_dir.h"
#include "load/shaped_histories.h"
#include "load/wrk_runner.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
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

// What the `status` calls saw last: the round is over when every parcel was
// polled once, noticed at the answer's arrival. The operator's probe asks ten
// times a second; near the end waitForRound asks every few milliseconds, so
// that a round of a second or two is not measured 50 ms long on average.
struct RoundWatch {
  std::atomic<std::uint64_t> polled{0};
  std::atomic<std::int64_t> doneAt{0};  // Clock ticks; 0 until done
  std::atomic<std::int64_t> lastAt{0};  // of the answer before: the end is within (lastAt, doneAt]

  // One `status` answer, `at` when it arrived; from either thread.
  void saw(std::uint64_t count, std::uint64_t parcels, std::int64_t at) {
    polled = count;
    if (count >= parcels) {
      std::int64_t none = 0;
      doneAt.compare_exchange_strong(none, at);
      return;
    }
    for (auto last = lastAt.load(); last < at && !lastAt.compare_exchange_weak(last, at);) {
    }
  }
};

// Parcels left when waitForRound starts asking `status` itself.
constexpr std::uint64_t kCloseToTheEnd = 3000;

// A long round reports where it is every 30 s (to stderr), with the probes'
// figures so far, so a run stopped before the end still says something.
void waitForRound(RoundWatch& watch, std::uint64_t parcels, std::uint64_t polledBefore,
                  DaemonProcess& daemon, const ControlProbe& probe,
                  const std::function<std::uint64_t()>& polledNow) {
  auto start = Clock::now();
  auto lastProgress = start, lastReport = start;
  std::uint64_t last = 0, lastReported = polledBefore;
  while (watch.doneAt.load() == 0) {
    bool close = watch.polled.load() + kCloseToTheEnd >= parcels;
    std::this_thread::sleep_for(close ? milliseconds(5) : milliseconds(50));
    if (close) watch.saw(polledNow(), parcels, Clock::now().time_since_epoch().count());
    auto polled = watch.polled.load();
    auto now = Clock::now();
    if (polled != last) lastProgress = now, last = polled;
    if (now - lastProgress > seconds(120) || !daemon.running())
      throw std::runtime_error("the first poll round stopped at " + std::to_string(polled) +
                               " of " + std::to_string(parcels) + " parcels");
    if (parcels >= 100000 && now - lastReport > seconds(30) && polled >= lastReported) {
      double rate =
          static_cast<double>(polled - lastReported) / duration<double>(now - lastReport).count();
      lastReport = now;
      lastReported = polled;
      std::string probes;
      for (const auto& f : probe.figures()) {
        auto l = summarize(f.ms);
        probes += fmt::format("; {} p50 {:.0f} p99 {:.0f} ms", f.name, l.p50, l.p99);
      }
      fmt::print(stderr,
                 "  ... {:.0f} s into the round: {} of {} polled, {:.0f}/s, RSS {:.0f} MiB{}\n",
                 duration<double>(now - start).count(), polled, parcels, rate,
                 daemon.memory().rss_kib / 1024.0, probes);
    }
  }
}

// The fake carrier's rate for the daemon's request: the load program's
// client's, and wrk's when it is installed (the one the round is compared to).
struct Ceiling {
  double client = 0;
  std::optional<double> wrk;
  double value() const { return wrk.value_or(client); }
};

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

  fmt::print("bench_load: {} parcels, max_in_flight {}; {}\n", parcels, inFlight,
             describeMachine());
  auto daemon = std::make_unique<DaemonProcess>(PW_DAEMON, config, dir.path(), seconds(120));
  row("start to READY, empty database", fmt::format("{:.0f} ms", daemon->readyMs()));

  // The ceiling: the daemon's own request, answered by the same fake carrier
  // as fast as this machine lets a client send it; measured before and after
  // the round, so a machine that changed meanwhile shows.
  std::string query = queryBody(carrier.queryUrl());
  auto measureCeiling = [&] {
    LoadOptions opt;
    opt.port = carrier.port();
    opt.connections = inFlight;
    opt.threads = 2;
    opt.duration = kCeilingFor;
    Ceiling c;
    c.client = runHttpLoad(
                   opt,
                   [&](std::uint64_t) {
                     return LoadRequest{"/poll/query.do", query};
                   },
                   [](unsigned status, std::string_view b) {
                     return status == 200 && b.starts_with("{\"message\"");
                   })
                   .rate();
    if (auto wrk = findWrk())
      c.wrk = runWrk(*wrk, carrier.queryUrl(), query, inFlight, kCeilingFor, dir.path())
                  .requests_per_second;
    return c;
  };
  auto ceilingBefore = measureCeiling();

  // Registration, 500 a request; polls of the first parcels start meanwhile.
  std::uint64_t reported = 0;
  auto r0 = Clock::now();
  double registerS = registerParcels(socket, parcels, now - hours(72), [&](std::uint64_t n) {
    if (parcels >= 200000 && n - reported >= parcels / 10) {
      reported = n;
      double s = duration<double>(Clock::now() - r0).count();
      fmt::print(stderr, "  ... {} registered in {:.0f} s, {:.0f}/s\n", n, s,
                 static_cast<double>(n) / s);
    }
  });
  auto polledWhileRegistering = pollsIn(ask(socket, "status"));
  auto commitsBefore = commitsIn(ask(socket, "stats"));
  // After the count: at a million parcels `status` itself may take a second.
  auto registered = Clock::now();
  row("register through track", fmt::format("{:.0f} ms, {:.0f} parcels/s", registerS * 1000,
                                            static_cast<double>(parcels) / registerS));

  // The round, with an operator and a Prometheus scraper looking ten times a second.
  RoundWatch watch;
  watch.polled = polledWhileRegistering;
  watch.lastAt = registered.time_since_epoch().count();
  ControlProbe probe(milliseconds(100));
  probe.add("status", [&] {
    auto polled = pollsIn(ask(socket, "status"));
    watch.saw(polled, parcels, Clock::now().time_since_epoch().count());
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
  waitForRound(watch, parcels, polledWhileRegistering, *daemon, probe,
               [&] { return pollsIn(ask(socket, "status")); });
  auto roundDone = Clock::time_point(Clock::duration(watch.doneAt.load()));
  auto share = meter.stop();
  probe.stop();
  double roundS = duration<double>(roundDone - registered).count();
  double windowRate = static_cast<double>(parcels - std::min(parcels, polledWhileRegistering)) /
                      std::max(roundS, 1e-3);
  heading("first poll round (poll over HTTP, parse, detect, commit)");
  subrow("done", fmt::format("{:.0f} ms after registration: {:.0f} parcels/s as N / that time",
                             roundS * 1000, static_cast<double>(parcels) / roundS));
  subrow("end of the round seen within",
         fmt::format("{:.0f} ms (`status` asked every 5 ms near the end)",
                     ms(Clock::duration(watch.doneAt.load() - watch.lastAt.load()))));
  subrow("polled after registration",
         fmt::format("{:.0f} parcels/s ({} of the N were polled while registering)", windowRate,
                     polledWhileRegistering));
  auto commitsAfter = commitsIn(ask(socket, "stats"));
  if (commitsAfter.transactions > commitsBefore.transactions)
    subrow(
        "results per transaction",
        fmt::format("{:.1f} ({} results in {} transactions, the writer's batches)",
                    static_cast<double>(commitsAfter.results - commitsBefore.results) /
                        static_cast<double>(commitsAfter.transactions - commitsBefore.transactions),
                    commitsAfter.results - commitsBefore.results,
                    commitsAfter.transactions - commitsBefore.transactions));
  subrow("cores used", share.text());
  // Less moved by other processes than the wall-clock rate while the
  // daemon is bound by its own CPU.
  subrow("per daemon CPU-second",
         fmt::format("{:.0f} parcels polled", windowRate / std::max(share.daemon, 0.01)));
  for (const auto& f : probe.figures()) subrow("`" + f.name + "` meanwhile", f.text());
  fmt::print("\n");

  if (parcels <= kMaxForRerun) {
    auto before = pollsIn(ask(socket, "status"));
    auto r0 = Clock::now();
    ask(socket, "rerun", {{"all", true}});
    // Delivered parcels left the schedule, so a rerun covers the other three quarters.
    auto active = parcels - (parcels + 1) / 4;
    waitForPolls(socket, before + active, *daemon);
    row("rerun --all round",
        fmt::format("{:.0f} ms for {} active parcels", ms(Clock::now() - r0), active));
    auto e0 = Clock::now();
    std::size_t exported = 0;
    std::int64_t after = 0;
    while (true) {
      auto page = ask(socket, "export", {{"what", "tasks"}, {"after_id", after}, {"limit", 1000}});
      exported += page.at("records").as_array().size();
      if (!page.contains("next_after_id")) break;
      after = page.at("next_after_id").to_number<std::int64_t>();
    }
    row("export tasks (pages of 1,000)",
        fmt::format("{} records in {:.0f} ms", exported, ms(Clock::now() - e0)));
  } else {
    row("rerun --all, export", fmt::format("skipped above {} parcels", kMaxForRerun));
  }

  {
    // Detection again over every stored timeline, no carrier query: what a
    // threshold change costs. Done when status shows the job finished.
    auto a0 = Clock::now();
    ask(socket, "reassess", {{"all", true}});
    std::string result;
    while (true) {
      std::this_thread::sleep_for(milliseconds(50));
      auto s = ask(socket, "status");
      const auto* job = s.if_contains("reassess");
      if (job && !job->at("running").as_bool()) {
        result = std::string(job->at("result").as_string());
        break;
      }
      if (!daemon->running()) throw std::runtime_error("parcelwatchd died:\n" + daemon->err());
    }
    row("reassess --all",
        fmt::format("{:.0f} ms for the active parcels ({})", ms(Clock::now() - a0), result));
  }

  auto status = ask(socket, "status");
  auto count = [&](const char* key) { return status.at(key).to_number<std::int64_t>(); };
  auto mem = daemon->memory();
  auto db = dir / "state" / "parcelwatch.db";
  row("polls ok / no result / failed",
      fmt::format("{} / {} / {}", count("polls_ok"), count("polls_no_result"),
                  count("polls_failed")));
  row("open exceptions / events",
      fmt::format("{} / {}", count("open_exceptions"), count("events")));
  row("daemon memory", fmt::format("peak RSS (VmHWM) {:.0f} MiB, now {:.0f} MiB",
                                   mem.hwm_kib / 1024.0, mem.rss_kib / 1024.0));
  row("database", fmt::format("{:.1f} MiB (+ WAL {:.1f} MiB)", mib(fileBytes(db)),
                              mib(fileBytes(db.string() + "-wal"))));

  auto ceilingAfter = measureCeiling();
  heading(
      fmt::format("ceiling: the daemon's request for a parcel, to the same fake carrier, {} "
                  "connections, {} s a run, before and after the round",
                  inFlight, kCeilingFor.count()));
  subrow("the load program's client", fmt::format("{:>7.0f}/s before, {:>7.0f}/s after",
                                                  ceilingBefore.client, ceilingAfter.client));
  if (ceilingBefore.wrk && ceilingAfter.wrk)
    subrow("wrk", fmt::format("{:>7.0f}/s before, {:>7.0f}/s after", *ceilingBefore.wrk,
                              *ceilingAfter.wrk));
  else
    subrow("wrk", "not installed (apt-get install wrk): the client's rate is the ceiling");
  double ceiling = (ceilingBefore.value() + ceilingAfter.value()) / 2;
  subrow("the round polled",
         fmt::format("{:.1f} % of {} mean rate after registration ({:.1f} % as N / time)",
                     100 * windowRate / std::max(1.0, ceiling),
                     ceilingBefore.wrk ? "wrk's" : "the client's",
                     100 * static_cast<double>(parcels) / roundS / std::max(1.0, ceiling)));
  if (std::abs(ceilingBefore.value() - ceilingAfter.value()) > 0.15 * ceiling)
    subrow("", "the ceiling moved by more than 15 % during the run: the machine was not steady");

  // Restart over the full database: what a systemd restart costs.
  double stopMs = daemon->stop(seconds(60));
  daemon.reset();
  fmt::print("\n");
  row("stop (SIGTERM to exit)", fmt::format("{:.0f} ms", stopMs));
  daemon = std::make_unique<DaemonProcess>(PW_DAEMON, config, dir.path(), seconds(600));
  auto restartMem = daemon->memory();
  row("start to READY, full database",
      fmt::format("{:.0f} ms over {} parcels (RSS then {:.0f} MiB)", daemon->readyMs(), parcels,
                  restartMem.rss_kib / 1024.0));
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
    fmt::print(stderr, "bench_load: {}\n", e.what());
    return 1;
  }
}
