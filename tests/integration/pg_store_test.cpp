// The SQLite store's behaviours, checked against the PostgreSQL store (labelled `postgres`:
// they need a server, see support/pg_test_schema.h), plus what only this backend does.
#include "store/postgres/pg_store.h"
#include "store/postgres/pg_migrations.h"

#include "support/fixtures.h"
#include "support/pg_test_schema.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <pqxx/pqxx>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

TrackingEvent ev(const std::string& utc, EventKind kind, const std::string& text) {
  TrackingEvent e;
  e.time = at(utc);
  e.local_time = utc;
  e.kind = kind;
  e.description = text;
  return e;
}

Issue issue(ExceptionKind kind, Timestamp since, const std::string& detail = "stalled") {
  Issue i;
  i.finding.kind = kind;
  i.finding.since = since;
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = detail;
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

Issue stallIssue(Timestamp since) { return issue(ExceptionKind::stalled, since); }

struct PgStoreTest : ::testing::Test {
  std::optional<test::PgTestSchema> db;
  std::unique_ptr<PostgresStore> store;
  std::int64_t id = 0;
  std::vector<TrackingEvent> history = {ev("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收"),
                                        ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "到达")};

  void SetUp() override {
    PW_REQUIRE_POSTGRES();
    db.emplace();
    store = PostgresStore::open(db->conninfo()).value();
    id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  }

  Result<PollOutcome> commit(const std::vector<TrackingEvent>& events, std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, events, "0", now,
                             [&](const Parcel&, const Timeline&, const ClaimFacts&) {
                               return Assessment{ParcelStage::in_transit, issues};
                             });
  }

  std::vector<std::string> outboxEvents() {
    std::vector<std::string> out;
    for (const auto& e : store->readOutbox(0, 1000).value()) out.push_back(e.event);
    return out;
  }
};

}  // namespace

TEST_F(PgStoreTest, TheAssessmentSeesTheMergedTimelineInOrder) {
  commit({history[1]}, {}).value();
  std::vector<std::string> seen;
  store
      ->commitPoll(id, history, "0", at("2024-05-04T00:00:00Z"),
                   [&](const Parcel& p, const Timeline& t, const ClaimFacts&) {
                     EXPECT_EQ(p.tracking_number, "YT1234567890123");
                     for (const auto& e : t) seen.push_back(e.description);
                     return Assessment{ParcelStage::in_transit, {}};
                   })
      .value();
  EXPECT_EQ(seen, (std::vector<std::string>{"已揽收", "到达"}));
}

TEST_F(PgStoreTest, LongDescriptionsAreStoredAndStillDeduplicated) {
  // A btree entry cannot hold a description this long: the key is its hash.
  auto e = ev("2024-05-02T04:00:00Z", EventKind::in_transit, std::string(20000, 'x'));
  EXPECT_EQ(commit({e}, {}).value().new_events, 1);
  EXPECT_EQ(commit({e}, {}).value().new_events, 0);
  auto f = e;
  f.description = std::string(19999, 'x');
  f.location = "x";  // same concatenation, different event
  EXPECT_EQ(commit({e, f}, {}).value().new_events, 1);
}

TEST_F(PgStoreTest, NewEvidenceIsAnUpdateElapsedTimeIsNot) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  auto later = stallIssue(at("2024-05-03T12:00:00Z"));
  later.finding.elapsed = hours(60);
  EXPECT_TRUE(commit(history, {later}).value().updated.empty());
  later.finding.evidence = {history[1]};
  later.finding.detail = "stalled, new evidence";
  auto out = commit(history, {later}).value();
  ASSERT_EQ(out.updated.size(), 1u);
  EXPECT_EQ(out.updated[0].detail, "stalled, new evidence");
  EXPECT_EQ(store->exceptions(id).value().at(0).finding.elapsed, hours(60));
}

TEST_F(PgStoreTest, AnAcknowledgedTaskStaysOpenForItsAgent) {
  auto raised = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  auto acked = store->setTaskState(raised.id, TaskState::acked, "called the buyer",
                                   at("2024-05-04T01:00:00Z"));
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->state, TaskState::acked);
  EXPECT_TRUE(commit(history, {}).value().closed_tasks.empty());
  EXPECT_EQ(store->tasks({TaskState::acked}).value().size(), 1u);
  EXPECT_EQ(store->setTaskState(999, TaskState::done, "", at("2024-05-04T01:00:00Z")).error().code,
            ErrorCode::not_found);
}

TEST_F(PgStoreTest, TaskAndExceptionFiltersPage) {
  auto other = store->addParcel(test::sampleParcel("YT9999999999999"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}, at("2024-05-04T00:00:00Z")).value();
  store
      ->commitPoll(other, history, "0", at("2024-05-05T00:00:00Z"),
                   [](const Parcel&, const Timeline&, const ClaimFacts&) {
                     return Assessment{ParcelStage::in_transit,
                                       {issue(ExceptionKind::problem, at("2024-05-04T00:00:00Z"))}};
                   })
      .value();
  EXPECT_EQ(store->tasks({.kind = ExceptionKind::problem}).value().size(), 1u);
  EXPECT_EQ(store->tasks({.tracking_number = "YT9999999999999"}).value().size(), 1u);
  EXPECT_EQ(store->tasks({.tracking_number = "it's"}).value().size(), 0u);  // quoted
  EXPECT_EQ(store->tasks({.created_before = at("2024-05-04T12:00:00Z")}).value().size(), 1u);
  EXPECT_EQ(store->tasks({.created_after = at("2024-05-04T12:00:00Z")}).value().size(), 1u);
  auto page = store->tasks({.limit = 1}).value();
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(store->tasks({.after_id = page[0].id}).value().size(), 1u);
  auto ex = store->listExceptions({.open_only = true, .kind = ExceptionKind::problem}).value();
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].tracking_number, "YT9999999999999");
  EXPECT_EQ(ex[0].carrier, "yuantong");
  EXPECT_EQ(store->listExceptions({.after_id = ex[0].exception.id}).value().size(), 0u);
}

TEST_F(PgStoreTest, RaisedAndResolvedLinesAreOwedUntilMarked) {
  auto raised = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  auto owed = store->unalertedRaises().value();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_TRUE(owed[0].exception_line);
  EXPECT_TRUE(owed[0].task_line);
  ASSERT_TRUE(
      store->markAlerted(AlertMarks{{}, {raised.exception_id}, {}}, at("2024-05-04T00:00:01Z")));
  owed = store->unalertedRaises().value();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_FALSE(owed[0].exception_line);
  EXPECT_TRUE(owed[0].task_line);
  ASSERT_TRUE(store->markAlerted({raised.id}, at("2024-05-04T00:00:01Z")));
  EXPECT_TRUE(store->unalertedRaises().value().empty());
  auto moved = commit(history, {}).value();
  ASSERT_EQ(moved.resolved_ids, std::vector<std::int64_t>{raised.exception_id});
  auto resolves = store->unalertedResolves().value();
  ASSERT_EQ(resolves.size(), 1u);
  EXPECT_EQ(resolves[0].exception_id, raised.exception_id);
  EXPECT_EQ(resolves[0].tracking_number, "YT1234567890123");
  EXPECT_EQ(resolves[0].kind, ExceptionKind::stalled);
  ASSERT_TRUE(
      store->markAlerted(AlertMarks{{}, {}, {raised.exception_id}}, at("2024-05-04T00:00:02Z")));
  EXPECT_TRUE(store->unalertedResolves().value().empty());
  auto line = boost::json::parse(store->readOutbox(0, 10).value().at(2).payload).as_object();
  EXPECT_EQ(line.at("event"), "exception_resolved");
  EXPECT_EQ(line.at("exception_id").as_int64(), raised.exception_id);
}

TEST_F(PgStoreTest, FinalStageLeavesTheScheduleAndTheQueue) {
  EXPECT_EQ(store->dueParcels(at("2024-05-01T00:00:00Z"), 10).value().size(), 1u);
  store
      ->commitPoll(id, history, "3", at("2024-05-04T00:00:00Z"),
                   [](const Parcel&, const Timeline&, const ClaimFacts&) {
                     return Assessment{ParcelStage::delivered, {}};
                   })
      .value();
  EXPECT_TRUE(store->pollTargets().value().empty());
  EXPECT_TRUE(store->dueParcels(at("2030-01-01T00:00:00Z"), 10).value().empty());
  EXPECT_EQ(store->parcel(id).value().stage, ParcelStage::delivered);
  EXPECT_EQ(store->counts().value().parcels_by_stage,
            (std::map<std::string, std::int64_t>{{"delivered", 1}}));
}

TEST_F(PgStoreTest, ABatchCommitsEachResultUnderItsOwnSavepoint) {
  auto second = store->addParcel(test::sampleParcel("YT2"), at("2024-05-01T00:00:00Z")).value().id;
  auto ok = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {stallIssue(at("2024-05-03T12:00:00Z"))}};
  };
  auto bad = [](const Parcel&, const Timeline&, const ClaimFacts&) -> Assessment {
    throw std::runtime_error("detector bug");
  };
  Timestamp now = at("2024-05-04T00:00:00Z");
  std::vector<CommitRequest> batch = {
      {second, history, "0", now, ok, now + hours(1), QueryRecord{now, 0}, ""},
      {id, history, "0", now, bad, now + hours(1), QueryRecord{now, 0}, ""},
      {id + 100, history, "0", now, ok, std::nullopt, std::nullopt, ""},
  };
  auto results = store->commitBatch(std::move(batch)).value();
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->new_events, 2);
  EXPECT_EQ(results[0]->raised.size(), 1u);
  EXPECT_EQ(results[1].error().message, "commit poll: detector bug");
  EXPECT_EQ(results[2].error().code, ErrorCode::not_found);
  EXPECT_TRUE(store->timeline(id).value().empty());
  EXPECT_EQ(store->timeline(second).value().size(), 2u);
  // Only the committed result's alerts reach the outbox.
  EXPECT_EQ(outboxEvents(), (std::vector<std::string>{"exception_raised", "task_raised"}));
  EXPECT_EQ(store->counts().value().events, 2);
  EXPECT_EQ(store->quickCheck().value(), "ok");
}

TEST_F(PgStoreTest, ClaimsAndRemovalCascade) {
  ASSERT_TRUE(store->addClaim(id, "not received", at("2024-05-05T00:00:00Z")));
  EXPECT_TRUE(store->hasClaim(id).value());
  EXPECT_EQ(store->buyerClaims("buyer-1", at("2024-05-01T00:00:00Z")).value(), 1);
  EXPECT_EQ(store->buyerClaims("buyer-1", at("2024-05-06T00:00:00Z")).value(), 0);
  EXPECT_EQ(store->addClaim(id + 100, "x", at("2024-05-05T00:00:00Z")).error().code,
            ErrorCode::not_found);
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  ASSERT_TRUE(store->updateCarrier(id, "zhongtong"));
  EXPECT_EQ(store->parcel(id).value().carrier, "zhongtong");
  ASSERT_TRUE(store->removeParcel(id));
  EXPECT_FALSE(store->hasClaim(id).value());
  EXPECT_TRUE(store->tasks({}).value().empty());
  auto c = store->counts().value();
  EXPECT_TRUE(c.parcels_by_stage.empty());
  EXPECT_TRUE(c.tasks_by_state.empty());
  EXPECT_TRUE(c.open_exceptions_by_kind.empty());
  EXPECT_EQ(c.events, 0);
  EXPECT_EQ(store->removeParcel(id).error().code, ErrorCode::not_found);
  EXPECT_EQ(store->quickCheck().value(), "ok");
}

TEST_F(PgStoreTest, OutboxGetsOneRowPerAlertEventInTheAlertLogFormat) {
  auto raised = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  auto updated = stallIssue(at("2024-05-03T12:00:00Z"));
  updated.finding.evidence = {history[0]};
  commit(history, {updated}).value();
  commit(history, {}).value();  // resolves it and closes the task
  auto again = commit(history, {stallIssue(at("2024-05-06T12:00:00Z"))}).value().raised.at(0);
  store->setTaskState(again.id, TaskState::dismissed, "buyer cancelled", at("2024-05-07T00:00:00Z"))
      .value();
  EXPECT_EQ(outboxEvents(),
            (std::vector<std::string>{"exception_raised", "task_raised", "exception_updated",
                                      "exception_resolved", "task_closed", "exception_raised",
                                      "task_raised", "task_updated"}));
  auto rows = store->readOutbox(0, 100).value();
  auto line = boost::json::parse(rows[1].payload).as_object();
  EXPECT_EQ(line.at("event"), "task_raised");
  EXPECT_EQ(line.at("task_id").as_int64(), raised.id);
  EXPECT_EQ(line.at("tracking_number"), "YT1234567890123");
  EXPECT_EQ(line.at("kind"), "stalled");
  EXPECT_EQ(line.at("remedy"), "soothe_and_wait");
  EXPECT_EQ(line.at("message"), "亲");
  EXPECT_EQ(line.at("ts"), "2024-05-04T00:00:00Z");
  auto last = boost::json::parse(rows.back().payload).as_object();
  EXPECT_EQ(last.at("state"), "dismissed");
  EXPECT_EQ(last.at("outcome"), "buyer cancelled");
  // Resumable: reading after a sequence number gives the rest, in order.
  auto rest = store->readOutbox(rows[3].seq, 100).value();
  ASSERT_EQ(rest.size(), rows.size() - 4);
  EXPECT_EQ(rest[0].event, "task_closed");
  EXPECT_EQ(store->readOutbox(rows[3].seq, 2).value().size(), 2u);
}

TEST_F(PgStoreTest, CountsAreKeptAndMatchAFullCount) {
  auto second = store->addParcel(test::sampleParcel("YT2"), at("2024-05-01T00:00:00Z")).value().id;
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  store
      ->commitPoll(second, history, "3", at("2024-05-04T00:00:00Z"),
                   [](const Parcel&, const Timeline&, const ClaimFacts&) {
                     return Assessment{ParcelStage::delivered, {}};
                   })
      .value();
  auto c = store->counts().value();
  EXPECT_EQ(c.parcels_by_stage,
            (std::map<std::string, std::int64_t>{{"delivered", 1}, {"in_transit", 1}}));
  EXPECT_EQ(c.open_exceptions_by_kind, (std::map<std::string, std::int64_t>{{"stalled", 1}}));
  EXPECT_EQ(c.tasks_by_state, (std::map<std::string, std::int64_t>{{"open", 1}}));
  EXPECT_EQ(c.events, 4);
  ASSERT_TRUE(store->heartbeat("n1", at("2024-05-04T00:00:00Z")));  // folds the deltas
  EXPECT_EQ(store->counts().value().events, 4);
  EXPECT_EQ(store->quickCheck().value(), "ok");
}

TEST_F(PgStoreTest, ReopenKeepsDataAndSchemaVersion) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  store.reset();
  store = PostgresStore::open(db->conninfo()).value();
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
  EXPECT_EQ(store->quickCheck().value(), "ok");
  pqxx::connection conn(db->conninfo());
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<int>(),
            pg::knownSchemaVersion());
}

TEST_F(PgStoreTest, RefusesANewerSchemaAndAnUnreachableServer) {
  {
    pqxx::connection conn(db->conninfo());
    pqxx::work tx(conn);
    tx.exec0("INSERT INTO schema_migrations (version) VALUES (99)");
    tx.commit();
  }
  auto r = PostgresStore::open(db->conninfo());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("schema version 99 is newer"), std::string::npos)
      << r.error().message;
  auto nowhere = PostgresStore::open("host=127.0.0.1 port=1 connect_timeout=2");
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, ErrorCode::transient);
}

TEST_F(PgStoreTest, TheDatabaseRefusesASecondOpenExceptionOfAKind) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  pqxx::connection conn(db->conninfo());
  pqxx::work tx(conn);
  EXPECT_THROW(tx.exec_params0("INSERT INTO exceptions (parcel_id, kind, since, threshold, "
                               "elapsed, detail, evidence, opened_at, updated_at) VALUES "
                               "($1, 'stalled', 0, 0, 0, '', '[]', 0, 0)",
                               id),
               pqxx::unique_violation);
}
