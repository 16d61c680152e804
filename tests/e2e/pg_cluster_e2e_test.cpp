// Three real parcelwatchd nodes on one PostgreSQL database and one fake Kuaidi100 that notes when
// each number is queried: the cluster shares 20,000 parcels without querying a number twice, a
// node killed with SIGKILL leaves its parcels to the others after one lease, pushes sent to any
// node are stored, every exception has exactly one task, and the outbox numbers every alert event
// once, in commit order. Labelled `postgres`: it needs a server and skips without one.
#include "carriers/md5.h"
#include "common/time_format.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/pg_test_schema.h"
#include "support/raw_tcp_client.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <pqxx/pqxx>

#include <csignal>
#include <cstdio>
#include <mutex>
#include <regex>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const std::string kDaemon = PW_DAEMON;
const std::string kCtl = PW_CTL;
constexpr int kParcels = 20000;
constexpr int kNodes = 3;
constexpr int kMaxInFlight = 16;
constexpr auto kLease = seconds(15);

std::string number(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "YT9%012d", i);
  return buf;
}

// Every tenth parcel has not moved for 60 hours (a stall); the others moved 2 hours ago.
bool stalls(int i) { return i % 10 == 0; }

std::string history(const std::string& num, int hoursAgo, bool delivered = false) {
  auto now = floor<seconds>(system_clock::now());
  auto local = [](sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); };
  std::vector<test::K100Event> events = {
      {local(now - hours(hoursAgo + 10)), "【广州市】 广州白云区公司 已揽收", "103"},
      {local(now - hours(hoursAgo)), "【杭州市】 快件已到达 杭州转运中心", "0"}};
  if (delivered) events.push_back({local(now - minutes(5)), "【杭州市】 您的快件已派送中", "5"});
  return test::kuaidi100Body(num, events);
}

// The fake Kuaidi100 on its own thread, noting the time of every query per number.
struct CountingCarrier {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  FakeCarrierServer server{io, "E2E-CUSTOMER", "E2E-KEY"};
  std::thread thread;
  mutable std::mutex mutex;
  std::map<std::string, std::vector<steady_clock::time_point>> queries;

  CountingCarrier() {
    server.setHistorySource(
        [this](const std::string&, const std::string& num) -> std::optional<std::string> {
          {
            std::lock_guard lock(mutex);
            queries[num].push_back(steady_clock::now());
          }
          int i = std::stoi(num.substr(3));
          return history(num, stalls(i) ? 60 : 2);
        });
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~CountingCarrier() {
    work.reset();
    io.stop();
    thread.join();
  }
  std::size_t numbersQueried() const {
    std::lock_guard lock(mutex);
    return queries.size();
  }
  std::map<std::string, std::vector<steady_clock::time_point>> snapshot() const {
    std::lock_guard lock(mutex);
    return queries;
  }
};

std::string enc(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

struct Node {
  std::string name;
  fs::path socket;
  std::unique_ptr<test::Subprocess> process;
  std::uint16_t push_port = 0;
};

struct PgClusterE2E : ::testing::Test {
  test::TempDir dir;
  std::optional<test::PgTestSchema> db;
  std::vector<Node> nodes;

  void SetUp() override {
    PW_REQUIRE_POSTGRES();
    db.emplace();
  }
  void TearDown() override {
    for (auto& n : nodes)
      if (n.process && n.process->running()) {
        n.process->signal(SIGTERM);
        n.process->wait(seconds(10));
      }
  }

  fs::path writeConfig(int i, const std::string& endpoint) {
    std::string n = std::to_string(i);
    return dir.write(
        "node" + n + ".toml",
        "[daemon]\nstate_dir = \"state" + n + "\"\ncontrol_socket = \"pw" + n +
            ".sock\"\nalert_log = \"alerts" + n +
            ".jsonl\"\n\n[store]\nbackend = \"postgres\"\nnode = \"node-" + n +
            "\"\nlease = \"15s\"\n[store.postgres]\nconninfo = "
            "\"env:PW_E2E_CONNINFO\"\n\n[poll]\nrequest_timeout = \"5s\"\n"
            "max_in_flight = " +
            std::to_string(kMaxInFlight) +
            "\n\n[push]\nlisten = \"127.0.0.1:0\"\n\n[carriers.kuaidi100]\nendpoint = \"" +
            endpoint +
            "\"\ncustomer = \"E2E-CUSTOMER\"\nkey = \"E2E-KEY\"\nsalt = \"S4LT\"\n"
            // No per-number gap: leases alone must keep a number from being
            // queried twice (with Kuaidi100's 30 minutes a dead node's sent
            // queries would wait that long, by the carrier's rule).
            "number_min_gap = \"0s\"\nnumber_max_per_day = 0\nrequests_per_second = 0\n"
            "\n[remedies]\nmessages = \"" +
            std::string(PW_CONF_DIR) + "/messages.toml\"\n");
  }

  void start(int i, const std::string& endpoint) {
    Node& n = nodes[static_cast<std::size_t>(i)];
    n.name = "node-" + std::to_string(i);
    n.socket = dir / ("pw" + std::to_string(i) + ".sock");
    n.process = std::make_unique<test::Subprocess>(
        std::vector<std::string>{kDaemon, "-c", writeConfig(i, endpoint).string()}, dir.path(),
        std::nullopt, std::vector<std::string>{"PW_E2E_CONNINFO=" + db->conninfo()});
    ASSERT_TRUE(
        test::waitFor([&] { return ctl(i, {"status"}).status == 0 || !n.process->running(); },
                      seconds(20), "the node to answer status"))
        << n.process->err();
    std::smatch m;
    std::string err = n.process->err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex("PUSH_LISTENING address=\\S+ port=(\\d+)")))
        << err;
    n.push_port = static_cast<std::uint16_t>(std::stoi(m[1]));
  }

  test::RunResult ctl(int i, std::vector<std::string> args,
                      std::optional<std::string> stdinText = std::nullopt) {
    std::vector<std::string> argv = {kCtl, "-s",
                                     (dir / ("pw" + std::to_string(i) + ".sock")).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path(), std::move(stdinText), seconds(60));
  }

  std::int64_t count(const std::string& sql) {
    pqxx::connection conn(db->conninfo());
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql)[0].as<std::int64_t>();
  }

  std::string push(int i, const std::string& num) {
    boost::json::object param{{"status", "polling"},
                              {"message", ""},
                              {"lastResult", boost::json::parse(history(num, 2, true))}};
    std::string p = boost::json::serialize(param);
    test::RawTcpClient c(nodes[static_cast<std::size_t>(i)].push_port);
    c.send(
        test::httpPost("/push/kuaidi100", "param=" + enc(p) + "&sign=" + md5HexUpper(p + "S4LT")));
    std::string answer = c.readUntilClosed(seconds(10));
    return answer.substr(0, answer.find("\r\n"));
  }
};

}  // namespace

TEST_F(PgClusterE2E, ThreeNodesShareTheQueueSurviveAKillAndNumberEveryAlertOnce) {
  CountingCarrier carrier;
  nodes.resize(kNodes);
  for (int i = 0; i < kNodes; ++i) start(i, carrier.server.queryUrl());
  if (HasFatalFailure()) return;

  // Registered through every node in turn: any node takes parcels, the queue is the database's.
  auto shipped = formatRfc3339(floor<seconds>(system_clock::now()) - hours(80));
  const int batch = 2000;
  for (int b = 0; b < kParcels / batch; ++b) {
    std::string lines;
    for (int i = b * batch; i < (b + 1) * batch; ++i)
      lines +=
          R"({"tracking_number":")" + number(i) +
          R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市"},"shipped_at":")" +
          shipped + "\"}\n";
    auto r = ctl(b % kNodes, {"track", "-"}, lines);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }

  // One round: every parcel polled once, no number queried twice.
  auto roundStart = steady_clock::now();
  ASSERT_TRUE(test::waitFor(
      [&] { return count("SELECT count(*) FROM parcels WHERE last_polled_at IS NULL") == 0; },
      seconds(240), "every parcel polled"))
      << count("SELECT count(*) FROM parcels WHERE last_polled_at IS NULL") << " not polled";
  auto round = duration_cast<milliseconds>(steady_clock::now() - roundStart);
  auto queries = carrier.snapshot();
  EXPECT_EQ(queries.size(), static_cast<std::size_t>(kParcels));
  for (const auto& [num, at] : queries) EXPECT_EQ(at.size(), 1u) << num << " queried twice";
  std::fprintf(stderr, "[cluster] %d parcels polled by %d nodes in %lld ms (%.0f parcels/s)\n",
               kParcels, kNodes, static_cast<long long>(round.count()),
               kParcels * 1000.0 / static_cast<double>(std::max<long long>(1, round.count())));

  // A second round of 40 parcels (fewer than the slots) with slow answers, and node 2 dies holding
  // leases: its parcels are queried again by the others once its leases end, and not before.
  carrier.server.setPermanentFault(FakeFault{milliseconds(3000)});
  std::vector<std::string> rerun = {"rerun"};
  for (int i = 0; i < 40; ++i) rerun.push_back(number(i * 13 + 5));
  ASSERT_EQ(ctl(0, rerun).status, 0);
  ASSERT_TRUE(test::waitFor(
      [&] { return count("SELECT count(*) FROM parcels WHERE leased_by = 'node-2'") > 0; },
      seconds(20), "node 2 to hold leases"));
  std::vector<std::string> held;
  {
    pqxx::connection conn(db->conninfo());
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         tx.exec("SELECT tracking_number FROM parcels WHERE leased_by = 'node-2'"))
      held.push_back(row[0].c_str());
  }
  auto before = carrier.snapshot();
  nodes[2].process->signal(SIGKILL);
  nodes[2].process->wait(seconds(5));
  auto killedAt = steady_clock::now();
  ASSERT_TRUE(test::waitFor(
      [&] {
        auto now = carrier.snapshot();
        for (const auto& num : held)
          if (now[num].size() <= before[num].size()) return false;
        return true;
      },
      kLease + seconds(30), "the dead node's parcels queried by the others"));
  carrier.server.setPermanentFault(std::nullopt);
  auto after = carrier.snapshot();
  milliseconds takeover{0};
  for (const auto& num : held) {
    const auto& at = after[num];
    auto prior = before[num].back();
    EXPECT_GE(at.back() - prior, kLease - seconds(1)) << num << " queried again within its lease";
    takeover = std::max(takeover, duration_cast<milliseconds>(at.back() - killedAt));
  }
  EXPECT_LE(takeover, kLease + seconds(5)) << "taken over within a lease (and a tick or two)";
  std::fprintf(stderr,
               "[cluster] node-2 held %zu leases when killed (lease %llds); the others queried "
               "the last of them %lld ms after the kill\n",
               held.size(), static_cast<long long>(kLease.count()),
               static_cast<long long>(takeover.count()));
  ASSERT_TRUE(test::waitFor(
      [&] { return count("SELECT count(*) FROM parcels WHERE leased_by IS NOT NULL") == 0; },
      seconds(30), "the second round settled"));

  // Exactly one exception and one task per stalled parcel, whoever polled it.
  EXPECT_EQ(count("SELECT count(*) FROM exceptions WHERE kind = 'stalled'"), kParcels / 10);
  EXPECT_EQ(count("SELECT count(*) FROM tasks"), kParcels / 10);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT parcel_id FROM exceptions GROUP BY parcel_id, "
                  "kind HAVING count(*) > 1) d"),
            0);
  // The dead node comes back and takes its share again.
  start(2, carrier.server.queryUrl());
  if (HasFatalFailure()) return;
  test::RunResult nodesAnswer;
  EXPECT_TRUE(test::waitFor(
      [&] {
        nodesAnswer = ctl(0, {"--json", "nodes"});
        return nodesAnswer.status == 0 &&
               boost::json::parse(nodesAnswer.out).at("arguments").at("nodes").as_array().size() ==
                   3;
      },
      seconds(10), "three live nodes"))
      << nodesAnswer.out << nodesAnswer.err;
  auto status = boost::json::parse(ctl(1, {"--json", "status"}).out).at("arguments").as_object();
  EXPECT_EQ(status.at("node"), "node-1");
  EXPECT_EQ(status.at("parcels").as_int64(), kParcels) << "counts are the cluster's";

  // Pushes spread over every node are all stored: each adds an out-for-delivery scan.
  const int pushes = 300;
  for (int i = 0; i < pushes; ++i) {
    auto line = push(i % kNodes, number(i * 7 + 1));
    ASSERT_EQ(line, "HTTP/1.1 200 OK") << "push " << i << " to node " << i % kNodes;
  }
  EXPECT_EQ(count("SELECT count(*) FROM parcels WHERE stage = 'out_for_delivery'"), pushes);

  // The outbox numbers every alert event once, in commit order, from every node.
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event = 'task_raised'"), kParcels / 10);
  EXPECT_EQ(count("SELECT count(DISTINCT (payload->>'task_id')) FROM outbox WHERE event = "
                  "'task_raised'"),
            kParcels / 10);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"),
            count("SELECT max(seq) - min(seq) + 1 FROM outbox"))
      << "no gaps: a sequence number taken by a rolled-back transaction would show here";
}
