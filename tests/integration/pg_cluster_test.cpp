// What several nodes sharing one PostgreSQL database rely on: disjoint claims, leases that
// expire, per-number gaps across nodes, one open exception per parcel and kind whoever commits,
// migrations applied once, an outbox a follower can read without missing a row. Each node is a
// PostgresStore (its own connection), several run on threads at once.
#include "store/postgres/pg_locks.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_store.h"

#include "support/fixtures.h"
#include "support/pg_test_schema.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

const Timestamp kStart = at("2024-05-04T00:00:00Z");

Issue stallIssue() {
  Issue i;
  i.finding.kind = ExceptionKind::stalled;
  i.finding.since = at("2024-05-02T00:00:00Z");
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "stalled";
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

AssessFn stalled() {
  return [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {stallIssue()}};
  };
}

struct PgClusterTest : ::testing::Test {
  std::optional<test::PgTestSchema> db;
  std::unique_ptr<PostgresStore> a, b;

  void SetUp() override {
    PW_REQUIRE_POSTGRES();
    db.emplace();
    a = PostgresStore::open(db->conninfo()).value();
    b = PostgresStore::open(db->conninfo()).value();
  }

  std::vector<std::int64_t> addParcels(int n) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i)
      ids.push_back(
          a->addParcel(test::sampleParcel("YT" + std::to_string(100000 + i)), kStart).value().id);
    return ids;
  }

  static std::vector<std::int64_t> idsOf(const std::vector<DueParcel>& due) {
    std::vector<std::int64_t> out;
    for (const auto& d : due) out.push_back(d.parcel_id);
    return out;
  }
};

}  // namespace

TEST_F(PgClusterTest, ConcurrentClaimsGetDisjointParcels) {
  auto ids = addParcels(400);
  std::vector<std::int64_t> gotA, gotB;
  auto node = [](PostgresStore& s, const std::string& name, std::vector<std::int64_t>& got) {
    for (;;) {
      auto batch = s.claimDue({.node = name, .now = kStart, .limit = 7}).value();
      if (batch.empty()) return;
      for (const auto& d : batch) {
        EXPECT_EQ(d.lease_until, kStart + minutes(2));
        got.push_back(d.parcel_id);
      }
    }
  };
  std::thread ta(node, std::ref(*a), "a", std::ref(gotA));
  std::thread tb(node, std::ref(*b), "b", std::ref(gotB));
  ta.join();
  tb.join();
  EXPECT_FALSE(gotA.empty());
  EXPECT_FALSE(gotB.empty());
  std::set<std::int64_t> all(gotA.begin(), gotA.end());
  for (auto id : gotB) EXPECT_TRUE(all.insert(id).second) << "parcel " << id << " claimed twice";
  EXPECT_EQ(all, std::set<std::int64_t>(ids.begin(), ids.end()));
  ASSERT_TRUE(a->heartbeat("a", kStart));
  ASSERT_TRUE(b->heartbeat("b", kStart));
  auto nodes = a->liveNodes(kStart, 60s).value();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].leases_held, static_cast<std::int64_t>(gotA.size()));
  EXPECT_EQ(nodes[1].leases_held, static_cast<std::int64_t>(gotB.size()));
}

TEST_F(PgClusterTest, AnExpiredLeaseIsClaimableByAnotherNode) {
  auto ids = addParcels(3);
  ASSERT_EQ(a->claimDue({.node = "a", .now = kStart, .limit = 10}).value().size(), 3u);
  // Node a dies here: no result, no release.
  EXPECT_TRUE(b->claimDue({.node = "b", .now = kStart + 119s, .limit = 10}).value().empty());
  EXPECT_TRUE(b->dueParcels(kStart + 119s, 10).value().empty());
  auto taken = b->claimDue({.node = "b", .now = kStart + 120s, .limit = 10}).value();
  EXPECT_EQ(idsOf(taken), ids);
  // A late result from a ends nothing of b's: b still holds the leases.
  Timestamp late = kStart + 130s;
  auto r = a->commitBatch(
      {{ids[0], {}, "0", late, stalled(), late + hours(2), QueryRecord{kStart, 0}, "a"}});
  ASSERT_TRUE(r && r->at(0));
  ASSERT_TRUE(b->heartbeat("b", late));
  auto nodes = b->liveNodes(late, 60s).value();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].name, "b");
  EXPECT_EQ(nodes[0].leases_held, 3);
  // b's own result ends its lease and sets the next due time.
  r = b->commitBatch(
      {{ids[1], {}, "0", late, stalled(), late + hours(2), QueryRecord{late, 0}, "b"}});
  ASSERT_TRUE(r && r->at(0));
  EXPECT_EQ(b->liveNodes(late, 60s).value().at(0).leases_held, 2);
  // Given back without a result: due again at once (the gap aside).
  EXPECT_EQ(b->releaseLease("b", {ids[2]}, late).value(), 1);
  EXPECT_EQ(idsOf(a->dueParcels(late, 10).value()), std::vector<std::int64_t>{ids[2]});
}

TEST_F(PgClusterTest, TheMinimumGapBetweenQueriesHoldsAcrossNodes) {
  auto ids = addParcels(2);
  ASSERT_EQ(a->claimDue({.node = "a", .now = kStart, .limit = 10}).value().size(), 2u);
  // a sends both queries, commits one result asking to be polled again in 1 min, then dies.
  ASSERT_TRUE(a->markQueried("a", ids, kStart));
  auto r = a->commitBatch(
      {{ids[0], {}, "0", kStart, stalled(), kStart + 60s, QueryRecord{kStart, 0}, "a"}});
  ASSERT_TRUE(r && r->at(0));
  ClaimRequest claim{.node = "b", .now = kStart + 121s, .limit = 10};
  EXPECT_TRUE(b->claimDue(claim).value().empty()) << "queried 121 s ago: too soon for Kuaidi100";
  claim.now = kStart + kKuaidi100MinGap - 1s;
  EXPECT_TRUE(b->claimDue(claim).value().empty());
  claim.now = kStart + kKuaidi100MinGap;
  EXPECT_EQ(idsOf(b->claimDue(claim).value()), ids);
  // 30.5 min apart at the most: 47 queries a day, under the 48 Kuaidi100 allows.
  EXPECT_LT(hours(24) / kKuaidi100MinGap, 48);
  EXPECT_GT(kKuaidi100MinGap, minutes(30));
}

TEST_F(PgClusterTest, ConcurrentRaisesOfOneExceptionEndWithOneOpenAndOneTask) {
  auto ids = addParcels(30);
  std::atomic<int> failures{0};
  auto node = [&](PostgresStore& s) {
    for (auto id : ids) {
      if (!s.commitPoll(id, {}, "0", kStart, stalled())) ++failures;
    }
  };
  std::thread ta(node, std::ref(*a));
  std::thread tb(node, std::ref(*b));
  ta.join();
  tb.join();
  EXPECT_EQ(failures, 0);
  auto tasks = a->tasks({.limit = 1000}).value();
  EXPECT_EQ(tasks.size(), ids.size());
  std::set<std::int64_t> exceptionIds;
  for (const auto& t : tasks) EXPECT_TRUE(exceptionIds.insert(t.exception_id).second);
  EXPECT_EQ(a->counts().value().open_exceptions_by_kind.at("stalled"), 30);
  EXPECT_EQ(a->readOutbox(0, 1000).value().size(), 2 * ids.size());  // raised once each
  EXPECT_EQ(a->quickCheck().value(), "ok");
}

TEST_F(PgClusterTest, BatchesSharingParcelsInOppositeOrdersDoNotDeadlock) {
  auto ids = addParcels(40);
  auto batchOf = [&](bool reversed) {
    std::vector<CommitRequest> batch;
    for (auto id : ids) batch.push_back({id, {}, "0", kStart, stalled(), {}, {}, ""});
    if (reversed) std::reverse(batch.begin(), batch.end());
    return batch;
  };
  std::atomic<int> failures{0};
  auto node = [&](PostgresStore& s, bool reversed) {
    for (int round = 0; round < 5; ++round) {
      auto r = s.commitBatch(batchOf(reversed));
      if (!r) {
        ++failures;
        continue;
      }
      for (const auto& item : *r) failures += item ? 0 : 1;
    }
  };
  std::thread ta(node, std::ref(*a), false);
  std::thread tb(node, std::ref(*b), true);
  ta.join();
  tb.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(a->tasks({.limit = 1000}).value().size(), ids.size());
}

TEST_F(PgClusterTest, MigrationsAppliedByConcurrentStartsRunOnce) {
  test::PgTestSchema fresh;
  std::atomic<int> opened{0};
  std::vector<std::thread> nodes;
  std::vector<std::string> errors(4);
  for (int i = 0; i < 4; ++i)
    nodes.emplace_back([&, i] {
      auto s = PostgresStore::open(fresh.conninfo());
      if (s)
        ++opened;
      else
        errors[i] = s.error().message;
    });
  for (auto& t : nodes) t.join();
  EXPECT_EQ(opened, 4) << errors[0] << errors[1] << errors[2] << errors[3];
  pqxx::connection conn(fresh.conninfo());
  pqxx::read_transaction tx(conn);
  auto r = tx.exec("SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_EQ(static_cast<int>(r.size()), pg::knownSchemaVersion());
  for (int i = 0; i < pg::knownSchemaVersion(); ++i) EXPECT_EQ(r[i][0].as<int>(), i + 1);
}

TEST_F(PgClusterTest, AFollowerSeesEveryOutboxRowOnceInCommitOrder) {
  auto ids = addParcels(120);
  std::atomic<bool> done{false};
  std::vector<std::int64_t> followed;
  auto follower = PostgresStore::open(db->conninfo()).value();
  std::thread reader([&] {
    std::int64_t after = 0;
    for (bool last = false; !last;) {
      last = done.load();  // one more read after the writers finished
      for (const auto& e : follower->readOutbox(after, 50).value()) {
        followed.push_back(e.seq);
        after = e.seq;
      }
    }
    for (auto more = follower->readOutbox(after, 1000).value(); !more.empty();
         more = follower->readOutbox(after, 1000).value())
      for (const auto& e : more) followed.push_back(after = e.seq);
  });
  auto writer = [&](PostgresStore& s, std::size_t first) {
    for (std::size_t i = first; i < ids.size(); i += 2) {
      // Raise, then resolve: four alert events per parcel, from two nodes at once.
      ASSERT_TRUE(s.commitPoll(ids[i], {}, "0", kStart, stalled()));
      ASSERT_TRUE(s.commitPoll(ids[i], {}, "0", kStart + 1s,
                               [](const Parcel&, const Timeline&, const ClaimFacts&) {
                                 return Assessment{ParcelStage::in_transit, {}};
                               }));
    }
  };
  std::thread ta(writer, std::ref(*a), 0);
  std::thread tb(writer, std::ref(*b), 1);
  ta.join();
  tb.join();
  done = true;
  reader.join();
  std::vector<std::int64_t> all;
  for (const auto& e : a->readOutbox(0, 10000).value()) all.push_back(e.seq);
  EXPECT_EQ(all.size(), ids.size() * 4);
  EXPECT_EQ(followed, all) << "the follower missed or repeated rows";
}

TEST_F(PgClusterTest, LiveNodesAreThoseWithARecentHeartbeat) {
  ASSERT_TRUE(a->heartbeat("a", kStart, kStart - hours(1)));
  ASSERT_TRUE(b->heartbeat("b", kStart - 100s));
  ASSERT_TRUE(a->heartbeat("a", kStart + 5s));
  auto nodes = a->liveNodes(kStart + 10s, 60s).value();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].name, "a");
  EXPECT_EQ(nodes[0].started_at, kStart - hours(1));
  EXPECT_EQ(nodes[0].last_heartbeat, kStart + 5s);
  EXPECT_EQ(a->liveNodes(kStart + 10s, 200s).value().size(), 2u);
}

TEST_F(PgClusterTest, AFailedPollEndsTheLeaseAndCountsItsQuery) {
  auto ids = addParcels(1);
  ASSERT_EQ(a->claimDue({.node = "a", .now = kStart, .limit = 10}).value().size(), 1u);
  ASSERT_TRUE(a->recordPollFailure(ids[0], kStart + 5s, "HTTP 503", kStart + 10min, kStart, "a"));
  ASSERT_TRUE(a->heartbeat("a", kStart + 5s));
  EXPECT_EQ(a->liveNodes(kStart + 5s, 60s).value().at(0).leases_held, 0);
  EXPECT_TRUE(b->claimDue({.node = "b", .now = kStart + 10min, .limit = 10}).value().empty())
      << "the failed query still counts against the number's gap";
  auto due = b->claimDue({.node = "b", .now = kStart + kKuaidi100MinGap, .limit = 10}).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].quota.last_query_at, kStart);
  EXPECT_EQ(due[0].tracking_number, "YT100000");
}

TEST_F(PgClusterTest, OneConnectionAtATimeDeliversASinkAndAnotherTakesOverWhenItCloses) {
  // Sink locks are per database, not per schema: a name of this test's own keeps tests running
  // beside it (other schemas, same sink names) out of the way.
  std::string sink = db->name() + "-robot";
  EXPECT_TRUE(a->ownSinkDelivery(sink).value());
  EXPECT_TRUE(a->ownSinkDelivery(sink).value());  // asked again: still a's
  EXPECT_FALSE(b->ownSinkDelivery(sink).value());
  EXPECT_TRUE(b->ownSinkDelivery(db->name() + "-webhook").value());  // each sink on its own
  a.reset();  // node a stops: its connection, and the lock with it, go
  // The server ends the session a moment after the client hung up.
  bool taken = false;
  for (auto until = steady_clock::now() + 10s; !taken && steady_clock::now() < until;
       std::this_thread::sleep_for(50ms))
    taken = b->ownSinkDelivery(sink).value();
  EXPECT_TRUE(taken) << "b never took the sink over after a closed";
}

TEST_F(PgClusterTest, NeitherASinkNorTheHeadMovePastAnEventStillBeingCommitted) {
  std::string sink = db->name() + "-sink";
  ASSERT_TRUE(a->setOutboxSinks({sink}));
  auto ids = addParcels(1);
  ASSERT_TRUE(a->commitPoll(ids[0], {}, "0", kStart, stalled()));
  auto committed = a->outboxAfter(sink, 0, 10).value();
  ASSERT_EQ(committed.size(), 2u);
  // Another node's transaction has its outbox row (and its seq) but has not committed yet.
  pqxx::connection other(db->conninfo());
  pqxx::work inFlight(other);
  inFlight.exec_params("SELECT pg_advisory_xact_lock($1)", pg::kOutboxLock);
  auto seq = inFlight
                 .exec1(
                     "INSERT INTO outbox (at, event, payload) VALUES (0, 'task_raised', "
                     "'{\"event\":\"task_raised\"}') RETURNING seq")[0]
                 .as<std::int64_t>();
  ASSERT_GT(seq, committed[1].seq);
  ASSERT_TRUE(a->outboxDelivered(sink, {committed[0].seq, committed[1].seq}));
  // A follower starting at the head must still get the row once it commits.
  EXPECT_EQ(b->outboxHead().value(), committed[1].seq);
  inFlight.commit();
  auto next = a->outboxAfter(sink, 0, 10).value();
  ASSERT_EQ(next.size(), 1u) << "the sink's progress moved past an uncommitted event";
  EXPECT_EQ(next[0].seq, seq);
  EXPECT_EQ(b->outboxHead().value(), seq);
}

TEST_F(PgClusterTest, ANodeWhoseConnectionDroppedNoLongerDeliversTheSink) {
  std::string sink = db->name() + "-dropped";
  ASSERT_TRUE(a->ownSinkDelivery(sink).value());
  // The server ends a's session (a network cut, a restarted pooler): its lock goes with it.
  pqxx::connection admin(db->conninfo());
  pqxx::nontransaction q(admin);
  auto killed = q.exec_params(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
      "AND objsubid = 2 AND classid = $1::int4::oid AND objid = hashtext($2)::oid",
      pg::kNotifySinkLock, sink);
  ASSERT_EQ(killed.size(), 1u);
  bool taken = false;
  for (auto until = steady_clock::now() + 10s; !taken && steady_clock::now() < until;
       std::this_thread::sleep_for(50ms))
    taken = b->ownSinkDelivery(sink).value();
  ASSERT_TRUE(taken);
  // a notices on its next call (an error, then a new session that does not hold the lock):
  // never two nodes delivering one sink.
  for (int i = 0; i < 3; ++i) {
    auto mine = a->ownSinkDelivery(sink);
    EXPECT_FALSE(mine && *mine) << "call " << i;
  }
  EXPECT_TRUE(b->ownSinkDelivery(sink).value());
}
