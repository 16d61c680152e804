// `parcelwatchctl reassess --all` at scale (issue 11): the real parcelwatchd
// on a database of N parcels x about 6 events (reassess/reassess_db.h),
// asked through its control socket, timed until `status` shows the job done,
// with `status` probed ten times a second meanwhile.
//   build/tests/bench/bench_reassess [PARCELS] [--daemon PATH] [--db FILE]
// --daemon PATH: also runs that parcelwatchd (another build, e.g. the code
// before a change) on a copy of the same database first, so the two figures
// come from one run on one machine state. --db FILE: keeps the built database
// there and reuses it when it exists (each daemon runs on a copy).
#include "config/config_loader.h"
#include "load/control_ask.h"
#include "load/control_probe.h"
#include "load/cpu_meter.h"
#include "load/daemon_config.h"
#include "load/daemon_process.h"
#include "load/exit_cleanup.h"
#include "load/latency_summary.h"
#include "load/proc_stats.h"
#include "load/report.h"
#include "load/scratch_dir.h"
#include "reassess/reassess_db.h"

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

using namespace pw;
using namespace pw::load;
using namespace std::chrono;

namespace {

using Clock = steady_clock;

struct Args {
  std::int64_t parcels = 100000;
  std::optional<std::string> before;  // another parcelwatchd to measure first
  std::optional<std::filesystem::path> db;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--daemon" && i + 1 < argc)
      a.before = argv[++i];
    else if (arg == "--db" && i + 1 < argc)
      a.db = argv[++i];
    else if (!arg.empty() && arg[0] != '-')
      a.parcels = std::stoll(arg);
    else
      throw std::runtime_error("usage: bench_reassess [PARCELS] [--daemon PATH] [--db FILE]");
  }
  return a;
}

// One daemon's reassess --all on its own copy of the database.
void measure(const std::string& label, const std::string& binary, const std::filesystem::path& db,
             const std::string& configToml, const ScratchDir& dir) {
  auto folder = dir / label;
  std::filesystem::create_directories(folder / "state");
  // The daemon refuses a control socket in a folder others can read.
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all |
                                           std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_exec);
  std::filesystem::copy_file(db, folder / "state" / "parcelwatch.db");
  auto config = folder / "pw.toml";
  {
    std::FILE* f = std::fopen(config.c_str(), "w");
    std::fputs(configToml.c_str(), f);
    std::fclose(f);
  }
  const std::string socket = (folder / "pw.sock").string();
  DaemonProcess daemon(binary, config, folder, seconds(600));
  heading(label + ": " + binary);
  subrow("start to READY", fmt::format("{:.0f} ms", daemon.readyMs()));

  // What an operator's reassess meets: the daemon settled, its schedule
  // loaded and its start-up integrity check done (both run at start and
  // would share the machine with the job).
  auto settling = Clock::now();
  while (true) {
    auto s = ask(socket, "status");
    const auto* check = s.if_contains("check");
    bool checking = check && check->as_object().at("running").as_bool();
    if (!s.at("schedule_loading").as_bool() && !checking) break;
    if (!daemon.running()) throw std::runtime_error("parcelwatchd died:\n" + daemon.err());
    std::this_thread::sleep_for(milliseconds(200));
  }
  subrow("schedule loaded, check done",
         fmt::format("{:.1f} s after READY", duration<double>(Clock::now() - settling).count()));
  std::atomic<bool> done{false};
  std::string result;
  std::int64_t total = 0;
  std::mutex mu;
  ControlProbe probe(milliseconds(100));
  probe.add("status", [&] {
    auto s = ask(socket, "status");
    const auto* job = s.if_contains("reassess");
    if (!job || job->at("running").as_bool()) return;
    std::lock_guard lock(mu);
    result = std::string(job->at("result").as_string());
    total = job->at("done").to_number<std::int64_t>();
    done = true;
  });
  CpuMeter meter(daemon.pid());
  auto t0 = Clock::now();
  ask(socket, "reassess", {{"all", true}});
  probe.start();
  Memory peak;
  while (!done) {
    std::this_thread::sleep_for(milliseconds(20));
    if (!daemon.running()) throw std::runtime_error("parcelwatchd died:\n" + daemon.err());
    auto m = daemon.memory();
    peak.rss_kib = std::max(peak.rss_kib, m.rss_kib);
  }
  double s = duration<double>(Clock::now() - t0).count();
  auto share = meter.stop();
  probe.stop();
  auto figures = probe.figures();
  subrow("reassess --all", fmt::format("{} parcels in {:.2f} s: {:.0f} parcels/s", total, s,
                                       static_cast<double>(total) / s));
  subrow("outcome", result);
  subrow("cores used", share.text());
  subrow(
      "per daemon CPU-second",
      fmt::format("{:.0f} parcels", static_cast<double>(total) / std::max(share.daemon * s, 1e-3)));
  subrow("`status` meanwhile", figures.front().text());
  auto mem = daemon.memory();
  subrow("daemon RSS", fmt::format("{:.0f} MiB during the job (max seen), peak {:.0f} MiB",
                                   peak.rss_kib / 1024.0, mem.hwm_kib / 1024.0));
  daemon.stop(seconds(60));
  std::filesystem::remove_all(folder / "state");
}

int run(int argc, char** argv) {
  Args args = parse(argc, argv);
  ScratchDir dir;
  DaemonConfig cfg;
  // Nothing is due while the bench runs; an endpoint nobody listens on.
  cfg.carrier_endpoint = "http://127.0.0.1:9/poll/query.do";
  cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
  auto configToml = cfg.toml();
  auto config = loadConfig(dir.write("rules.toml", configToml));
  if (!config) throw std::runtime_error("config: " + config.error().message);

  fmt::print("bench_reassess: {} parcels; {}\n", args.parcels, describeMachine());
  auto db = args.db.value_or(dir / "base.db");
  if (!args.db || !std::filesystem::exists(db)) {
    auto now = floor<seconds>(system_clock::now());
    auto f = bench::buildReassessDb(db, args.parcels, config->rules, now);
    row("database built", fmt::format("{:.1f} s: {} parcels ({} active), {} events, {} open "
                                      "exceptions, {:.0f} MiB",
                                      f.seconds, f.parcels, f.active, f.events, f.open_exceptions,
                                      std::filesystem::file_size(db) / 1048576.0));
  } else {
    row("database", "reused " + db.string());
  }
  if (args.before) measure("before", *args.before, db, configToml, dir);
  measure("this build", PW_DAEMON, db, configToml, dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExitCleanup::install();
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "bench_reassess: {}\n", e.what());
    return 1;
  }
}
