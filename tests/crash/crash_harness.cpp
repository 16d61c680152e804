// Crash harness: the real parcelwatchd under signed Kuaidi100 pushes and poll
// rounds against the simulated carrier, killed with SIGKILL at random
// moments and restarted, N times. After each crash the daemon is started
// again (it recovers and replays what it owes the alert log), stopped
// cleanly, and the state it left is checked:
//   - PRAGMA integrity_check is ok;
//   - every event of every acknowledged push is stored;
//   - no parcel has two open exceptions of one kind, no exception two tasks;
//   - every line of the alert log parses, every task has its task_raised
//     line, every exception its exception_raised line and, once resolved,
//     its exception_resolved line.
//
//   crash_harness --daemon build/daemon/parcelwatchd --conf conf --trials 100 [--seed N]
// prints one line per failed check and "N/N trials passed"; exit 0 when all did.
#include "carriers/md5.h"
#include "common/time_format.h"
#include "common/time_zone.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/raw_unix_client.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

constexpr int kParcels = 12;
const std::string kSalt = "CRASH-SALT";

std::string number(int i) { return "YT" + std::to_string(7000000000000LL + i); }

std::string localTime(system_clock::time_point t) {
  return formatLocalDateTime(floor<seconds>(t), TimeZone::shanghai());
}

struct Event {
  std::string time;
  std::string context;
  bool operator<(const Event& o) const {
    return std::tie(time, context) < std::tie(o.time, o.context);
  }
};

// What the pusher sent and what was acknowledged, shared across trials.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, std::vector<Event>> history;  // per parcel, oldest first
  std::set<std::pair<std::string, Event>> acknowledged;
  int sequence = 0;
  // An aggregator sends one parcel's pushes one after another. Two histories
  // of one parcel in flight at once could arrive out of order, and the
  // daemon takes the later-arriving one as the carrier rewriting events of
  // the same second (see README, "One clean timeline"): not a crash matter.
  std::map<std::string, std::mutex> in_flight;
};

std::string pushBody(const std::string& num, const std::vector<Event>& events) {
  boost::json::array data;
  for (auto it = events.rbegin(); it != events.rend(); ++it)  // newest first, as Kuaidi100 sends
    data.push_back({{"time", it->time}, {"ftime", it->time}, {"context", it->context}});
  boost::json::object last{{"message", "ok"},   {"status", "200"}, {"state", "0"}, {"ischeck", "0"},
                           {"com", "yuantong"}, {"nu", num},       {"data", data}};
  boost::json::object param{{"status", "polling"}, {"message", ""}, {"lastResult", last}};
  std::string p = boost::json::serialize(param);
  return "param=" + boost::urls::encode(p, boost::urls::unreserved_chars) +
         "&sign=" + md5HexUpper(p + kSalt);
}

// One push over a fresh connection; true when the daemon acknowledged it.
bool sendPush(std::uint16_t port, const std::string& body) {
  try {
    boost::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(seconds(5));
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{http::verb::post, "/push/kuaidi100", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (res.result_int() != 200) return false;
    auto answer = boost::json::parse(res.body()).as_object();
    return answer.at("result") == true;
  } catch (const std::exception&) {
    return false;  // killed mid-way: not acknowledged, and that is fine
  }
}

std::string controlRequest(const fs::path& socket, const std::string& request) {
  test::RawClient c(socket.string());
  if (!c.connected() || !c.send(request + "\n")) return "";
  return c.line(seconds(10));
}

struct Harness {
  fs::path daemon;
  fs::path conf;
  fs::path work;
  std::mt19937 rng;
  Ledger ledger;
  boost::asio::io_context carrierIo;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_guard{
      carrierIo.get_executor()};
  FakeCarrierServer carrier{carrierIo, "CRASH-CUSTOMER", "CRASH-KEY"};
  std::thread carrierThread;
  fs::path config;
  int failures = 0;

  Harness(fs::path d, fs::path c, fs::path w, unsigned seed)
      : daemon(std::move(d)), conf(std::move(c)), work(std::move(w)), rng(seed) {
    carrier.start();
    carrierThread = std::thread([this] { carrierIo.run(); });
    // Poll answers: an old, stalled history at whole minutes; pushes add
    // events at the current second, so the two never claim the same time.
    auto now = system_clock::now();
    for (int i = 0; i < kParcels; ++i) {
      auto t0 = floor<minutes>(now - hours(80));
      carrier.setResponse(
          number(i), test::kuaidi100Body(number(i), {{localTime(t0), "【广州市】 已揽收", "103"},
                                                     {localTime(t0 + hours(20)),
                                                      "【杭州市】 快件已到达 杭州转运中心", "0"}}));
    }
    config = work / "pw.toml";
    std::ofstream(config) << "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                             "alert_log = \"alerts.jsonl\"\n"
                             "[poll]\ninterval = \"1s\"\nretry_after_failure = \"1s\"\n"
                             "[detect]\nstalled_after = \"1m\"\n"
                             "[carriers.kuaidi100]\nendpoint = \""
                          << carrier.queryUrl()
                          << "\"\ncustomer = \"CRASH-CUSTOMER\"\nkey = \"CRASH-KEY\"\n"
                             "salt = \""
                          << kSalt
                          << "\"\n[push]\nlisten = \"127.0.0.1:0\"\n"
                             "[remedies]\nmessages = \""
                          << (conf / "messages.toml").string() << "\"\n";
  }
  ~Harness() {
    work_guard.reset();
    carrierIo.stop();
    carrierThread.join();
  }

  void fail(int trial, const std::string& what) {
    ++failures;
    std::cout << "trial " << trial << ": " << what << std::endl;
  }

  // Starts the daemon and waits until it answers; its push port, or 0.
  std::uint16_t start(std::unique_ptr<test::Subprocess>& d) {
    d = std::make_unique<test::Subprocess>(
        std::vector<std::string>{daemon.string(), "-c", config.string()}, work);
    auto deadline = steady_clock::now() + seconds(30);
    while (steady_clock::now() < deadline && d->running()) {
      if (controlRequest(work / "pw.sock", R"({"command":"status"})").find("\"result\":0") !=
          std::string::npos) {
        std::smatch m;
        std::string err = d->err();
        if (std::regex_search(err, m, std::regex("PUSH_LISTENING address=\\S+ port=(\\d+)")))
          return static_cast<std::uint16_t>(std::stoi(m[1]));
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return 0;
  }

  void trackAll() {
    boost::json::array parcels;
    auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(90));
    for (int i = 0; i < kParcels; ++i)
      parcels.push_back({{"tracking_number", number(i)},
                         {"carrier", "yuantong"},
                         {"destination",
                          {{"province", "浙江省"},
                           {"city", "杭州市"},
                           {"district", "西湖区"},
                           {"address", "文三路 1 号"}}},
                         {"shipped_at", shipped}});
    boost::json::object req{{"command", "track"}, {"arguments", {{"parcels", parcels}}}};
    controlRequest(work / "pw.sock", boost::json::serialize(req));
  }

  // Pushes until told to stop; each push carries the parcel's whole history
  // plus one new event, as an aggregator re-sends it.
  void pushLoop(std::uint16_t port, std::atomic<bool>& stop, unsigned seed) {
    std::mt19937 local(seed);
    while (!stop) {
      std::string num = number(static_cast<int>(local() % kParcels));
      std::unique_lock<std::mutex> parcel;
      {
        std::lock_guard lock(ledger.mutex);
        parcel = std::unique_lock(ledger.in_flight[num], std::try_to_lock);
      }
      if (!parcel.owns_lock()) continue;  // the other pusher has this parcel
      std::vector<Event> events;
      {
        std::lock_guard lock(ledger.mutex);
        auto& h = ledger.history[num];
        // A failed delivery raises delivery_failed; the next attempt or scan
        // resolves it: exceptions and tasks come and go all the time.
        static const char* kScans[] = {"【杭州市】 快件已到达 杭州转运中心",
                                       "【杭州市】 派件员 张三 正在为您派件",
                                       "【杭州市】 派送不成功，收件人电话无人接听，明日再派"};
        h.push_back({localTime(system_clock::now()),
                     std::string(kScans[local() % 3]) + " #" + std::to_string(++ledger.sequence)});
        events = h;
      }
      if (sendPush(port, pushBody(num, events))) {
        std::lock_guard lock(ledger.mutex);
        for (const auto& e : events) ledger.acknowledged.emplace(num, e);
      }
      std::this_thread::sleep_for(milliseconds(local() % 20));
    }
  }

  void check(int trial) {
    SQLite::Database db((work / "state/parcelwatch.db").string(), SQLite::OPEN_READONLY);
    auto integrity = db.execAndGet("PRAGMA integrity_check").getString();
    if (integrity != "ok") fail(trial, "integrity_check: " + integrity);

    std::set<std::pair<std::string, Event>> stored;
    SQLite::Statement ev(db,
                         // Schema 8 keeps a description once in `texts` and
                         // the local time only when it is not UTC+8.
                         "SELECT p.tracking_number, COALESCE(e.local_time, strftime('%Y-%m-%d "
                         "%H:%M:%S', e.time + 28800, 'unixepoch')), COALESCE(e.description, "
                         "(SELECT text FROM texts WHERE id = e.text_id)) FROM events e "
                         "JOIN parcels p ON p.id = e.parcel_id");
    while (ev.executeStep())
      stored.emplace(ev.getColumn(0).getString(),
                     Event{ev.getColumn(1).getString(), ev.getColumn(2).getString()});
    {
      std::lock_guard lock(ledger.mutex);
      for (const auto& a : ledger.acknowledged)
        if (!stored.count(a))
          fail(trial, "acknowledged push event missing: " + a.first + " " + a.second.time + " " +
                          a.second.context);
    }
    SQLite::Statement dupExc(db,
                             "SELECT parcel_id, kind, COUNT(*) FROM exceptions WHERE resolved_at "
                             "IS NULL GROUP BY 1, 2 HAVING COUNT(*) > 1");
    while (dupExc.executeStep())
      fail(trial, "two open exceptions of kind " + dupExc.getColumn(1).getString());
    SQLite::Statement dupTask(db,
                              "SELECT parcel_id, kind, COUNT(*) FROM tasks WHERE state = 'open' "
                              "GROUP BY 1, 2 HAVING COUNT(*) > 1");
    while (dupTask.executeStep())
      fail(trial, "two open tasks of kind " + dupTask.getColumn(1).getString());

    std::set<std::int64_t> taskLines, raisedLines, resolvedLines;
    std::istringstream in(test::readFile(work / "alerts.jsonl"));
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      boost::system::error_code ec;
      auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) {
        fail(trial, "alert line " + std::to_string(n) + " does not parse: " + line);
        continue;
      }
      const auto& o = v.as_object();
      auto event = o.at("event").as_string();
      if (event == "task_raised") taskLines.insert(o.at("task_id").as_int64());
      if (event == "exception_raised") raisedLines.insert(o.at("exception_id").as_int64());
      if (event == "exception_resolved" && o.contains("exception_id"))
        resolvedLines.insert(o.at("exception_id").as_int64());
    }
    SQLite::Statement tasks(db, "SELECT id FROM tasks");
    while (tasks.executeStep())
      if (!taskLines.count(tasks.getColumn(0).getInt64()))
        fail(trial, "task " + std::to_string(tasks.getColumn(0).getInt64()) + " has no line");
    SQLite::Statement exc(db, "SELECT id, resolved_at IS NOT NULL FROM exceptions");
    while (exc.executeStep()) {
      auto id = exc.getColumn(0).getInt64();
      if (!raisedLines.count(id))
        fail(trial, "exception " + std::to_string(id) + " has no exception_raised line");
      if (exc.getColumn(1).getInt() && !resolvedLines.count(id))
        fail(trial, "exception " + std::to_string(id) + " has no exception_resolved line");
    }
  }

  // One trial: start, load, SIGKILL at a random moment; start again to
  // recover, stop cleanly, check.
  bool trial(int t) {
    int before = failures;
    std::unique_ptr<test::Subprocess> d;
    auto port = start(d);
    if (!port) {
      fail(t, "daemon did not start: " + d->err().substr(0, 2000));
      return false;
    }
    if (t == 1) trackAll();
    std::atomic<bool> stop{false};
    std::vector<std::thread> pushers;
    for (int i = 0; i < 2; ++i)
      pushers.emplace_back([this, port, &stop, seed = rng()] { pushLoop(port, stop, seed); });
    if (rng() % 3 == 0)
      controlRequest(work / "pw.sock", R"({"command":"rerun","arguments":{"all":true}})");
    std::this_thread::sleep_for(milliseconds(50 + rng() % 1200));
    d->signal(SIGKILL);
    d->wait(seconds(10));
    stop = true;
    for (auto& p : pushers) p.join();

    if (!start(d)) {
      fail(t, "daemon did not restart after the crash: " + d->err().substr(0, 2000));
      return false;
    }
    d->signal(SIGTERM);
    auto code = d->wait(seconds(20));
    if (!code || *code != 0)
      fail(t, "clean stop after recovery exited " + std::to_string(code.value_or(-1)));
    check(t);
    // Keep the logs of a failed trial only.
    if (failures == before)
      for (const auto& f : fs::directory_iterator(work))
        if (f.path().extension() == ".err" || f.path().extension() == ".out" ||
            f.path().extension() == ".in")
          fs::remove(f.path());
    return failures == before;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"crash harness: kill -9 parcelwatchd at random moments and check what it kept"};
  std::string daemon, conf;
  int trials = 10;
  unsigned seed = static_cast<unsigned>(system_clock::now().time_since_epoch().count());
  std::string keep;
  cli.add_option("--daemon", daemon, "parcelwatchd binary")->required();
  cli.add_option("--conf", conf, "the conf/ folder (messages.toml)")->required();
  cli.add_option("--trials", trials, "crash/restart cycles")->capture_default_str();
  cli.add_option("--seed", seed, "random seed (printed, to repeat a run)");
  cli.add_option("--keep", keep, "work in this folder and keep it (default: a temporary one)");
  CLI11_PARSE(cli, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<test::TempDir> temp;
  fs::path work = keep;
  if (work.empty()) {
    temp = std::make_unique<test::TempDir>();
    work = temp->path();
  }
  fs::create_directories(work);
  // The control socket lives here: the daemon refuses a folder more open than 0750.
  fs::permissions(work, fs::perms(0750));
  std::cout << "crash harness: " << trials << " trials, seed " << seed << ", in " << work.string()
            << std::endl;
  Harness h(fs::absolute(daemon), fs::absolute(conf), work, seed);
  int passed = 0;
  auto started = steady_clock::now();
  for (int t = 1; t <= trials; ++t) passed += h.trial(t) ? 1 : 0;
  std::size_t acked;
  {
    std::lock_guard lock(h.ledger.mutex);
    acked = h.ledger.acknowledged.size();
  }
  std::cout << "acknowledged push events checked: " << acked << ", "
            << duration_cast<seconds>(steady_clock::now() - started).count() << " s" << std::endl;
  std::cout << passed << "/" << trials << " trials passed" << std::endl;
  if (passed != trials && temp)
    std::cout << "(rerun with --keep DIR to keep the logs)" << std::endl;
  return passed == trials ? 0 : 1;
}
