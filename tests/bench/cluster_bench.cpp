// Several nodes, end to end (issue 12; not a test): the real parcelwatchd as one SQLite node,
// then as 1, 2 and 3 nodes sharing one PostgreSQL database, against the same fake Kuaidi100,
// and the database's own commit rate (pgbench -N) measured at the start and the end of the same
// run, so every figure is also a ratio to what PostgreSQL itself allows on this machine:
//
//   pg_virtualenv -t build/tests/bench/bench_cluster [--parcels N] [--push-seconds S]
//                    [--connections C] [--fsync on|off]
//
// For each configuration, on a fresh database (a fresh schema for PostgreSQL): register N
// parcels through the nodes in turn, time the first poll round until every parcel was polled
// once (the fake carrier counts the queries per number; the nodes' `status` counters confirm
// the commits), then S seconds of signed Kuaidi100 pushes with growing histories from C
// keep-alive connections spread round-robin over the nodes' push listeners. The request slots
// (poll.max_in_flight) are the same in total: --slots split evenly over the nodes.
//
// It needs a server it may reconfigure (ALTER SYSTEM SET fsync): a throw-away one. fsync is off
// by default: pgbench is measured with the same setting, so the ratios hold either way, and with
// fsync on `track` (a transaction per parcel) and the poll round (a commit per poll) run at the
// disk's flush rate, which takes the default run past ten minutes on this machine.
#include "load/control_ask.h"
#include "load/cpu_meter.h"
#include "load/daemon_config.h"
#include "load/daemon_process.h"
#include "load/exit_cleanup.h"
#include "load/free_port.h"
#include "load/http_load_client.h"
#include "load/kuaidi100_stub.h"
#include "load/latency_summary.h"
#include "load/load_parcels.h"
#include "load/pgbench.h"
#include "load/proc_stats.h"
#include "load/push_feed.h"
#include "load/report.h"
#include "load/scratch_dir.h"
#include "support/pg_test_schema.h"

#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace pw;
using namespace pw::load;
using namespace std::chrono;

namespace {

using Clock = steady_clock;
constexpr const char* kSalt = "LOAD-SALT";
constexpr int kCarrierThreads = 2;
constexpr int kClientThreads = 2;

struct Options {
  std::uint64_t parcels = 20000;
  int pushSeconds = 15;
  int connections = 32;
  int slots = 48;  // divisible by 1, 2 and 3
  std::string fsync = "off";
  int pgbenchSeconds = 10;
};

struct Configuration {
  std::string name;
  int nodes = 1;
  bool postgres = false;
};

double seconds(Clock::duration d) { return duration<double>(d).count(); }

bool acknowledged(unsigned status, std::string_view body) {
  return status == 200 && body.starts_with(R"({"result":true)");
}

// The fake Kuaidi100 answering every parcel's first event (what the pushes
// then grow), counting the queries per number: the round is over when each
// number was queried, and a number queried twice in it is a lease that failed.
class CountingCarrier {
 public:
  CountingCarrier(const PushFeed& feed, std::uint64_t parcels)
      : feed_(feed),
        parcels_(parcels),
        counts_(std::make_unique<std::atomic<std::uint32_t>[]>(parcels)),
        stub_([this](std::string_view num) { return answer(num); }, kCarrierThreads) {
    reset();
  }

  std::string queryUrl() const { return stub_.queryUrl(); }
  std::uint64_t distinct() const { return distinct_.load(); }
  std::uint64_t repeated() const { return repeated_.load(); }
  /// Between configurations, when no node is running.
  void reset() {
    for (std::uint64_t i = 0; i < parcels_; ++i) counts_[i] = 0;
    distinct_ = 0;
    repeated_ = 0;
  }

 private:
  std::optional<std::string> answer(std::string_view num) {
    auto i = parcelIndex(num);
    if (!i || *i >= parcels_) return std::nullopt;
    if (counts_[*i].fetch_add(1) == 0)
      distinct_.fetch_add(1);
    else
      repeated_.fetch_add(1);
    return feed_.lastResult(*i, 1);
  }

  const PushFeed& feed_;
  std::uint64_t parcels_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> counts_;
  std::atomic<std::uint64_t> distinct_{0}, repeated_{0};
  Kuaidi100Stub stub_;  // last: it serves as soon as it is built
};

struct Node {
  std::string socket;
  std::uint16_t pushPort = 0;
  std::unique_ptr<DaemonProcess> process;
};

// The nodes of one configuration, each with its folder, configuration and push listener;
// started one after the other, so the first alone creates a fresh database's tables.
class Nodes {
 public:
  Nodes(const Configuration& c, const Options& o, const std::filesystem::path& folder,
        const std::string& carrierUrl, const std::string& conninfo) {
    for (int i = 0; i < c.nodes; ++i) {
      auto dir = folder / ("node" + std::to_string(i));
      std::filesystem::create_directories(dir);
      // The daemon refuses a control socket in a folder more open than this.
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all |
                                            std::filesystem::perms::group_read |
                                            std::filesystem::perms::group_exec);
      Node n;
      n.pushPort = freeLoopbackPort();
      DaemonConfig cfg;
      cfg.carrier_endpoint = carrierUrl;
      cfg.max_in_flight = o.slots / c.nodes;
      cfg.salt = kSalt;
      cfg.push_listen = "127.0.0.1:" + std::to_string(n.pushPort);
      cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
      if (c.postgres) {
        cfg.postgres_conninfo = conninfo;
        cfg.node = "node-" + std::to_string(i);
      }
      std::ofstream(dir / "pw.toml") << cfg.toml();
      n.socket = (dir / "pw.sock").string();
      n.process = std::make_unique<DaemonProcess>(PW_DAEMON, dir / "pw.toml", dir, 120s);
      readyMs_.push_back(n.process->readyMs());
      nodes_.push_back(std::move(n));
    }
  }

  std::vector<pid_t> pids() const {
    std::vector<pid_t> out;
    for (const auto& n : nodes_) out.push_back(n.process->pid());
    return out;
  }
  std::vector<std::string> sockets() const {
    std::vector<std::string> out;
    for (const auto& n : nodes_) out.push_back(n.socket);
    return out;
  }
  std::vector<std::uint16_t> pushPorts() const {
    std::vector<std::uint16_t> out;
    for (const auto& n : nodes_) out.push_back(n.pushPort);
    return out;
  }
  const std::vector<double>& readyMs() const { return readyMs_; }
  bool allRunning() {
    return std::all_of(nodes_.begin(), nodes_.end(), [](Node& n) { return n.process->running(); });
  }
  std::string firstError() const {
    for (const auto& n : nodes_)
      if (!n.process->err().empty()) return n.process->err().substr(0, 2000);
    return "";
  }
  /// A node-scoped counter of `status` (polls, pushes) summed over the nodes.
  std::uint64_t sum(const std::function<std::uint64_t(const boost::json::object&)>& of) const {
    std::uint64_t total = 0;
    for (const auto& n : nodes_) total += of(ask(n.socket, "status"));
    return total;
  }
  /// A cluster-wide count of `status` (parcels, events): any node's answer.
  std::uint64_t clusterCount(const char* key) const {
    return ask(nodes_.front().socket, "status").at(key).to_number<std::uint64_t>();
  }
  void stop() {
    for (auto& n : nodes_) n.process->stop(30s);
  }

 private:
  std::vector<Node> nodes_;
  std::vector<double> readyMs_;
};

std::uint64_t counter(const boost::json::object& status, const char* key) {
  return status.at(key).to_number<std::uint64_t>();
}

struct Figures {
  std::string name;
  double pollRate = 0;  // parcels/s after registration
  CpuShare pollCpu;
  LoadResult push;
  CpuShare pushCpu;
  bool suspicious = false;  // a check below failed
};

// Waits until the fake carrier saw every number and the nodes' counters every poll
// committed; the end is the moment the counters confirmed it. Throws if the round stalls.
Clock::time_point waitForRound(const CountingCarrier& carrier, Nodes& nodes,
                               std::uint64_t parcels) {
  auto lastProgress = Clock::now();
  std::uint64_t last = 0;
  while (carrier.distinct() < parcels) {
    std::this_thread::sleep_for(10ms);
    if (carrier.distinct() != last) lastProgress = Clock::now(), last = carrier.distinct();
    if (Clock::now() - lastProgress > 120s || !nodes.allRunning())
      throw std::runtime_error("the poll round stopped at " + std::to_string(last) + " of " +
                               std::to_string(parcels) + " parcels; " + nodes.firstError());
  }
  // Commits trail the queries by a poll's work: ask until they are all counted.
  auto queried = Clock::now();
  while (nodes.sum([](const auto& s) { return pollsIn(s); }) < parcels) {
    if (Clock::now() - queried > 60s)
      throw std::runtime_error("every number was queried but not every poll was committed");
    std::this_thread::sleep_for(20ms);
  }
  return Clock::now();
}

void pollRound(const Options& o, CountingCarrier& carrier, Nodes& nodes, pid_t database,
               Figures& f) {
  auto shipped = floor<std::chrono::seconds>(system_clock::now()) - hours(72);
  auto t0 = Clock::now();
  double registerS = registerParcels(nodes.sockets(), o.parcels, shipped);
  auto registered = Clock::now();
  auto polledMeanwhile = carrier.distinct();
  CpuMeter meter(nodes.pids(), database);
  auto done = waitForRound(carrier, nodes, o.parcels);
  f.pollCpu = meter.stop();
  auto after = o.parcels - std::min(o.parcels, polledMeanwhile);
  f.pollRate = static_cast<double>(after) / std::max(seconds(done - registered), 1e-3);

  subrow("register through track",
         fmt::format("{:.1f} s, {:.0f} parcels/s through the nodes in turn; {} polled meanwhile",
                     registerS, static_cast<double>(o.parcels) / registerS, polledMeanwhile));
  subrow("first poll round",
         fmt::format("{:.0f} parcels/s after registration ({} in {:.1f} s); N / (registration "
                     "start to done) {:.0f}/s",
                     f.pollRate, after, seconds(done - registered),
                     static_cast<double>(o.parcels) / seconds(done - t0)));
  subrow("cores used", f.pollCpu.text());
  std::uint64_t failed = nodes.sum([](const auto& s) { return counter(s, "polls_failed"); });
  std::uint64_t noResult = nodes.sum([](const auto& s) { return counter(s, "polls_no_result"); });
  subrow("checks",
         fmt::format("{} of {} numbers queried, {} queried more than once; polls "
                     "failed {}, no result {}",
                     carrier.distinct(), o.parcels, carrier.repeated(), failed, noResult));
  if (carrier.repeated() || failed || noResult) {
    f.suspicious = true;
    subrow("", "LOOKS WRONG: every poll should succeed once (see the counts above)");
  }
}

void pushRun(const Options& o, const PushFeed& feed, Nodes& nodes, pid_t database, Figures& f) {
  auto events0 = nodes.clusterCount("events");
  auto pushes0 = nodes.sum([](const auto& s) { return counter(s, "pushes"); });
  LoadOptions opt;
  opt.ports = nodes.pushPorts();
  opt.connections = o.connections;
  opt.threads = kClientThreads;
  opt.duration = std::chrono::seconds(o.pushSeconds);
  CpuMeter meter(nodes.pids(), database);
  f.push = runHttpLoad(
      opt,
      [&](std::uint64_t seq) {
        return LoadRequest{"/push/kuaidi100", feed.body(seq)};
      },
      acknowledged);
  f.pushCpu = meter.stop();
  if (!nodes.allRunning()) throw std::runtime_error("a node died:\n" + nodes.firstError());
  auto events = nodes.clusterCount("events") - events0;
  auto pushes = nodes.sum([](const auto& s) { return counter(s, "pushes"); }) - pushes0;
  auto latency = summarize(f.push.latency_ms);

  subrow("pushes acknowledged", fmt::format("{:.0f}/s ({} in {:.1f} s; refused {}, errors {}); {}",
                                            f.push.rate(), f.push.accepted, f.push.seconds,
                                            f.push.refused, f.push.errors, latency.text()));
  if (!f.push.first_refusal.empty()) subrow("first refused answer", f.push.first_refusal);
  subrow("cores used", f.pushCpu.text());
  // Each push carries one event the parcel did not have (see PushFeed): an
  // acknowledged push that stored nothing was lost.
  subrow("checks", fmt::format("events stored +{} for {} acknowledged; the nodes counted {} pushes",
                               events, f.push.accepted, pushes));
  if (events < f.push.accepted || pushes < f.push.accepted) {
    f.suspicious = true;
    subrow("", "LOOKS WRONG: fewer events stored than pushes acknowledged");
  }
}

Figures runConfiguration(const Configuration& c, const Options& o, const ScratchDir& dir,
                         CountingCarrier& carrier, const PushFeed& feed, pid_t database) {
  heading(fmt::format("== {}: {} request slots a node, {} push connections over {} listener{}",
                      c.name, o.slots / c.nodes, o.connections, c.nodes, c.nodes > 1 ? "s" : ""));
  carrier.reset();
  Figures f;
  f.name = c.name;
  // Declared before the nodes, so dropped after they stopped.
  std::optional<test::PgTestSchema> schema;
  if (c.postgres) schema.emplace();
  auto folder = dir / (c.postgres ? "pg" + std::to_string(c.nodes) : std::string("sqlite"));
  Nodes nodes(c, o, folder, carrier.queryUrl(), schema ? schema->conninfo() : "");
  std::string ready;
  for (double ms : nodes.readyMs())
    ready += fmt::format("{}{:.0f} ms", ready.empty() ? "" : ", ", ms);
  subrow("start to READY", ready);
  pollRound(o, carrier, nodes, database, f);
  pushRun(o, feed, nodes, database, f);
  nodes.stop();
  std::filesystem::remove_all(folder);
  return f;
}

// The throw-away server's fsync as asked, and its postmaster (whose process tree is the
// database's CPU share).
pid_t prepareServer(const std::string& fsync) {
  pqxx::connection admin;
  pqxx::nontransaction tx(admin);
  if (fsync != "keep") {
    tx.exec0("ALTER SYSTEM SET fsync = " + tx.quote(fsync));
    tx.exec("SELECT pg_reload_conf()");
    std::this_thread::sleep_for(500ms);
  }
  fmt::print("PostgreSQL {}, fsync={}, synchronous_commit={}\n",
             tx.exec1("SHOW server_version")[0].c_str(), tx.exec1("SHOW fsync")[0].c_str(),
             tx.exec1("SHOW synchronous_commit")[0].c_str());
  return parentOf(tx.exec1("SELECT pg_backend_pid()")[0].as<pid_t>());
}

double measurePgbench(const Options& o, const char* when) {
  test::PgTestSchema schema;
  PgbenchRun run{.seconds = o.pgbenchSeconds};
  double tps = pgbenchTps(schema.name(), run);
  row(fmt::format("{} ({})", describe(run), when), fmt::format("{:.0f} transactions/s", tps));
  return tps;
}

std::string ratio(double a, double b) { return b > 0 ? fmt::format("{:.2f}", a / b) : "-"; }

void printTable(const std::vector<Figures>& all, double pgbench) {
  heading(
      "| configuration | poll parcels/s | ÷ pgbench tx/s | ÷ SQLite | push acks/s | "
      "÷ pgbench | ÷ SQLite | p99 | |");
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
  const Figures& sqlite = all.front();
  for (const auto& f : all) {
    bool disturbed = f.pollCpu.disturbed() || f.pushCpu.disturbed();
    std::string marks = std::string(disturbed ? "DISTURBED" : "") +
                        (f.suspicious ? (disturbed ? ", CHECK FAILED" : "CHECK FAILED") : "");
    fmt::print("| {} | {:.0f} | {} | {} | {:.0f} | {} | {} | {:.0f} ms | {} |\n", f.name,
               f.pollRate, ratio(f.pollRate, pgbench), ratio(f.pollRate, sqlite.pollRate),
               f.push.rate(), ratio(f.push.rate(), pgbench),
               ratio(f.push.rate(), sqlite.push.rate()), summarize(f.push.latency_ms).p99, marks);
  }
  std::fflush(stdout);
}

int run(const Options& o) {
  if (auto why = test::postgresUnavailable()) {
    fmt::print(stderr, "{}\n", *why);
    return 77;
  }
  fmt::print(
      "bench_cluster: {} parcels, {} request slots in all, pushes for {} s from {} "
      "connections; {}\n",
      o.parcels, o.slots, o.pushSeconds, o.connections, describeMachine());
  pid_t database = prepareServer(o.fsync);
  double pgbenchBefore = measurePgbench(o, "before");

  ScratchDir dir;
  auto now = floor<std::chrono::seconds>(system_clock::now());
  PushFeed feed(o.parcels, kSalt, now - hours(45));
  CountingCarrier carrier(feed, o.parcels);
  const std::vector<Configuration> configurations = {{"SQLite, 1 node", 1, false},
                                                     {"PostgreSQL, 1 node", 1, true},
                                                     {"PostgreSQL, 2 nodes", 2, true},
                                                     {"PostgreSQL, 3 nodes", 3, true}};
  std::vector<Figures> all;
  for (const auto& c : configurations)
    all.push_back(runConfiguration(c, o, dir, carrier, feed, database));

  fmt::print("\n");
  double pgbenchAfter = measurePgbench(o, "after");
  double pgbench = (pgbenchBefore + pgbenchAfter) / 2;
  if (std::abs(pgbenchBefore - pgbenchAfter) > 0.15 * pgbench)
    row("", "pgbench moved by more than 15 % during the run: the machine was not steady");
  printTable(all, pgbench);
  fmt::print(
      "\n÷ pgbench: a ratio to the mean of the two pgbench runs ({:.0f} tx/s); the "
      "machine at the end: {}\n",
      pgbench, describeMachine());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ExitCleanup::install();
  Options o;
  CLI::App cli{"parcelwatchd as one SQLite node and as 1-3 PostgreSQL nodes, under load"};
  cli.add_option("--parcels", o.parcels, "parcels registered and polled once")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10000000}));
  cli.add_option("--push-seconds", o.pushSeconds, "seconds of pushes per configuration")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--connections", o.connections, "push connections, over the nodes in turn")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--slots", o.slots, "poll request slots in all, split over the nodes")
      ->capture_default_str()
      ->check(CLI::Range(3, 3000));
  cli.add_option("--fsync", o.fsync, "the server's fsync during the run (keep: as it is)")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off", "keep"}));
  cli.add_option("--pgbench-seconds", o.pgbenchSeconds, "each pgbench run's length")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(cli, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "bench_cluster: {}\n", e.what());
    return 1;
  }
}
