// Commit throughput of the PostgreSQL store against the server's own commit rate, measured in
// the same run on the same server: `pgbench -N -c 8 -j 2 -T 10` (the simple-update workload
// without the contended rows), then claim + commitBatch rounds with 1, 2 and 3 nodes (one
// connection each) and batches of 1, 16 and 64 results, then the SQLite store on one node as the
// embedded reference. A result is what a poll of one parcel commits: a 7-scan history of which
// one scan is new, every 50th parcel raising a stalled exception (outbox rows included).
//
//   pg_virtualenv -t build/tests/bench/bench_pg_store --fsync off,on
//
// It needs a server it may change (ALTER SYSTEM SET fsync): a throw-away one. Figures are
// printed, not checked.
#include "store/postgres/pg_store.h"
#include "store/sqlite_store.h"

#include "load/pgbench.h"
#include "support/pg_test_schema.h"
#include "support/temp_dir.h"

#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace pw;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kT0 = 1714521600;  // 2024-05-01T00:00:00Z
constexpr int kSeedEvents = 6;

struct Options {
  int parcels = 30000;
  double seconds = 5;
  int pgbenchSeconds = 10;
  int sqliteParcels = 3000;
  std::vector<std::string> fsync = {"keep"};
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) out.push_back(part);
  return out;
}

TrackingEvent scan(int i) {
  TrackingEvent e;
  e.time = Timestamp(Seconds(kT0 + i * 3600));
  e.local_time = std::to_string(i);
  e.description = "快件已到达 杭州转运中心 " + std::to_string(i);
  e.kind = EventKind::in_transit;
  return e;
}

/// The answer a poll gets in round `round`: the seeded history plus one new scan.
std::vector<TrackingEvent> answer(int round) {
  std::vector<TrackingEvent> events;
  for (int i = 0; i < kSeedEvents; ++i) events.push_back(scan(i));
  events.push_back(scan(kSeedEvents + round));
  return events;
}

Assessment assess(const Parcel& p, const Timeline&, const ClaimFacts&) {
  Assessment a{ParcelStage::in_transit, {}};
  if (p.id % 50 == 0) {
    Issue i;
    i.finding.kind = ExceptionKind::stalled;
    i.finding.since = Timestamp(Seconds(kT0));
    i.finding.detail = "stalled";
    i.suggestion = {Remedy::soothe_and_wait, "wait"};
    i.message = {"亲", "hi"};
    a.issues.push_back(i);
  }
  return a;
}

void seed(const std::string& conninfo, int parcels) {
  pqxx::connection conn(conninfo);
  pqxx::work tx(conn);
  tx.exec_params0(
      "INSERT INTO parcels (tracking_number, carrier, province, city, district, address, "
      "shipped_at, registered_at, stage, next_poll_at) SELECT 'YT' || (7000000000000 + g), "
      "'yuantong', '浙江省', '杭州市', '西湖区', '文三路 1 号', $1, $1, 'in_transit', 0 "
      "FROM generate_series(1, $2) AS g",
      kT0, parcels);
  for (int i = 0; i < kSeedEvents; ++i) {
    auto e = scan(i);
    tx.exec_params0(
        "INSERT INTO events (parcel_id, time, local_time, description, location, kind, "
        "carrier_status, first_seen_at) SELECT id, $1, $2, $3, '', 'in_transit', '', $1 "
        "FROM parcels",
        kT0 + i * 3600, e.local_time, e.description);
  }
  tx.commit();
}

void resetQueue(const std::string& conninfo) {
  pqxx::connection conn(conninfo);
  pqxx::work tx(conn);
  tx.exec0(
      "UPDATE parcels SET next_poll_at = 0, leased_by = NULL, lease_until = NULL, "
      "last_query_at = NULL");
  tx.commit();
  // Each round leaves a dead version of every row it touched: start the next from a clean table.
  pqxx::nontransaction vac(conn);
  vac.exec0("VACUUM ANALYZE");
}

struct Rate {
  std::int64_t results = 0;
  std::int64_t transactions = 0;
  double seconds = 0;
};

/// `nodes` threads, each its own store: claim a batch, commit it, until time is up or the
/// queue is empty.
Rate pgRound(const std::string& conninfo, int nodes, int batch, double seconds, int round) {
  std::atomic<std::int64_t> results{0}, transactions{0};
  std::atomic<bool> failed{false};
  Timestamp now(Seconds(kT0 + 30 * 24 * 3600));
  auto deadline = Steady::now() + std::chrono::duration<double>(seconds);
  auto start = Steady::now();
  std::vector<std::thread> threads;
  for (int n = 0; n < nodes; ++n)
    threads.emplace_back([&, n] {
      auto store = PostgresStore::open(conninfo).value();
      std::string node = "node" + std::to_string(n);
      auto events = answer(round);
      while (Steady::now() < deadline) {
        auto claimed = store->claimDue({.node = node, .now = now, .limit = batch});
        if (!claimed || claimed->empty()) break;
        std::vector<CommitRequest> requests;
        for (const auto& d : *claimed)
          requests.push_back({d.parcel_id, events, "0", now, assess, now + std::chrono::hours(1),
                              QueryRecord{now, 0}, node});
        auto r = store->commitBatch(std::move(requests));
        if (!r) {
          std::cerr << r.error().message << "\n";
          failed = true;
          break;
        }
        results += static_cast<std::int64_t>(r->size());
        transactions += 2;  // the claim and the commit
      }
    });
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  if (failed) return {};
  return {results.load(), transactions.load(), elapsed};
}

Rate sqliteRound(int parcels) {
  test::TempDir dir;
  auto store = SqliteStore::open(dir / "bench.db").value();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < parcels; ++i) {
    Parcel p;
    p.tracking_number = "YT" + std::to_string(7000000000000 + i);
    p.carrier = "yuantong";
    p.shipped_at = Timestamp(Seconds(kT0));
    ids.push_back(store->addParcel(p, Timestamp(Seconds(kT0))).value().id);
  }
  Timestamp now(Seconds(kT0 + 30 * 24 * 3600));
  for (auto id : ids) store->commitPoll(id, answer(0), "0", now, assess).value();  // the seed
  auto start = Steady::now();
  for (auto id : ids) store->commitPoll(id, answer(1), "0", now, assess).value();
  double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  return {parcels, parcels, elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--parcels") o.parcels = std::atoi(v.c_str());
    if (k == "--seconds") o.seconds = std::atof(v.c_str());
    if (k == "--pgbench-seconds") o.pgbenchSeconds = std::atoi(v.c_str());
    if (k == "--sqlite-parcels") o.sqliteParcels = std::atoi(v.c_str());
    if (k == "--fsync") o.fsync = split(v);
  }
  if (auto why = test::postgresUnavailable()) {
    std::cerr << *why << "\n";
    return 77;
  }
  try {
    for (const auto& fsync : o.fsync) {
      {
        pqxx::connection admin;
        pqxx::nontransaction tx(admin);
        if (fsync != "keep") {
          tx.exec0("ALTER SYSTEM SET fsync = " + tx.quote(fsync));
          tx.exec("SELECT pg_reload_conf()");
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }
      pqxx::connection admin;
      pqxx::nontransaction tx(admin);
      std::cout << "\n== PostgreSQL " << tx.exec1("SHOW server_version")[0].c_str()
                << ", fsync=" << tx.exec1("SHOW fsync")[0].c_str()
                << ", synchronous_commit=" << tx.exec1("SHOW synchronous_commit")[0].c_str() << ", "
                << std::thread::hardware_concurrency() << " cores ==\n";

      test::PgTestSchema bench;
      double tps = load::pgbenchTps(bench.name(), {.seconds = o.pgbenchSeconds});
      std::printf("pgbench -N -c 8 -j 2 -T %d: %.0f transactions/s\n", o.pgbenchSeconds, tps);

      test::PgTestSchema db;
      PostgresStore::open(db.conninfo()).value();  // the schema
      seed(db.conninfo(), o.parcels);
      // Two ratios to pgbench's rate: results (what the daemon needs) and transactions (what
      // the server does: a claim and a commit per batch).
      std::printf("%-28s %6s %6s %10s %8s %16s %12s\n", "store", "nodes", "batch", "results/s",
                  "tx/s", "results/pgbench", "tx/pgbench");
      int round = 0;
      for (int nodes : {1, 2, 3})
        for (int batch : {1, 16, 64}) {
          resetQueue(db.conninfo());
          Rate r = pgRound(db.conninfo(), nodes, batch, o.seconds, ++round);
          double perSec = r.seconds > 0 ? r.results / r.seconds : 0;
          double txPerSec = r.seconds > 0 ? r.transactions / r.seconds : 0;
          std::printf("%-28s %6d %6d %10.0f %8.0f %16.2f %12.2f\n", "postgres claim+commitBatch",
                      nodes, batch, perSec, txPerSec, tps > 0 ? perSec / tps : 0,
                      tps > 0 ? txPerSec / tps : 0);
        }
      Rate s = sqliteRound(o.sqliteParcels);
      std::printf("%-28s %6d %6d %10.0f %8.0f %16s %12s\n", "sqlite commitPoll (WAL)", 1, 1,
                  s.results / s.seconds, s.transactions / s.seconds, "-", "-");
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_pg_store: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
