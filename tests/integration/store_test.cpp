#include "store/store.h"

#include "store/migrations.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <thread>

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

Issue stallIssue(Timestamp since) {
  Issue i;
  i.finding.kind = ExceptionKind::stalled;
  i.finding.since = since;
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "stalled";
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

struct StoreTest : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = Store::open(dir / "pw.db").value();
  std::int64_t id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  std::vector<TrackingEvent> history = {ev("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收"),
                                        ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "到达")};

  Result<PollOutcome> commit(const std::vector<TrackingEvent>& events, std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, events, "0", now, [&](const Parcel&, const Timeline&) {
      return Assessment{ParcelStage::in_transit, issues};
    });
  }
};

}  // namespace

TEST_F(StoreTest, RegisteringTwiceIsIdempotent) {
  auto again = store->addParcel(test::sampleParcel(), at("2024-05-02T00:00:00Z")).value();
  EXPECT_FALSE(again.inserted);
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(store->pollTargets().value().size(), 1u);
  auto p = store->findParcel("YT1234567890123").value();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->buyer_id, "buyer-1");
  EXPECT_FALSE(store->findParcel("NOPE").value());
}

TEST_F(StoreTest, SameHistoryTwiceAddsNothing) {
  EXPECT_EQ(commit(history, {}).value().new_events, 2);
  EXPECT_EQ(commit(history, {}).value().new_events, 0);
  auto reordered = history;
  std::swap(reordered[0], reordered[1]);
  reordered.push_back(history[0]);  // duplicated inside one answer
  EXPECT_EQ(commit(reordered, {}).value().new_events, 0);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].description, "已揽收");
  EXPECT_EQ(store->counts().value().events, 2);
}

TEST_F(StoreTest, RewrittenEventReplacesTheOldOneAndTrimmedHistoryIsKept) {
  commit(history, {}).value();
  auto rewritten = history;
  rewritten[1].description = "到达杭州转运中心（更正）";
  auto out = commit({rewritten[1]}, {}).value();  // the answer also drops the first event
  EXPECT_EQ(out.new_events, 1);
  EXPECT_EQ(out.rewritten, 1);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].description, "已揽收");
  EXPECT_EQ(t[1].description, "到达杭州转运中心（更正）");
  EXPECT_EQ(commit({}, {}).value().rewritten, 0);  // an empty answer removes nothing
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
}

TEST_F(StoreTest, EventDetailsRoundTrip) {
  auto e = ev("2024-05-02T04:00:00Z", EventKind::signed_, "已签收，签收人：门卫");
  e.signer_type = SignerType::reception;
  e.signer = "门卫";
  e.reason = EventReason::none;
  e.place = {"浙江省", "杭州市", "西湖区"};
  auto f = ev("2024-05-02T03:00:00Z", EventKind::delivery_failed, "电话无人接听");
  f.reason = EventReason::no_contact;
  commit({e, f}, {}).value();
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].reason, EventReason::no_contact);
  EXPECT_EQ(t[1].signer_type, SignerType::reception);
  EXPECT_EQ(t[1].signer, "门卫");
  EXPECT_EQ(t[1].place, (Place{"浙江省", "杭州市", "西湖区"}));
}

TEST_F(StoreTest, OneOpenExceptionAndOneTaskPerKind) {
  auto first = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  ASSERT_EQ(first.raised.size(), 1u);
  EXPECT_EQ(first.raised[0].kind, ExceptionKind::stalled);
  EXPECT_EQ(first.raised[0].tracking_number, "YT1234567890123");
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.empty());
  auto tasks = store->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].message.zh_cn, "亲");
  EXPECT_EQ(tasks[0].suggestion.remedy, Remedy::soothe_and_wait);
  EXPECT_EQ(store->counts().value().open_exceptions_by_kind.at("stalled"), 1);
}

TEST_F(StoreTest, ResolvedWhenItStopsHoldingAndRaisedAgainIfItRecurs) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  auto moved = commit(history, {}).value();
  ASSERT_EQ(moved.resolved.size(), 1u);
  EXPECT_EQ(moved.resolved[0], ExceptionKind::stalled);
  EXPECT_TRUE(store->counts().value().open_exceptions_by_kind.empty());
  EXPECT_EQ(store->tasks({TaskState::open}).value().size(), 0u);
  EXPECT_EQ(store->tasks({TaskState::done}).value().size(), 1u);
  auto again = commit(history, {stallIssue(at("2024-05-06T12:00:00Z"))}).value();
  EXPECT_EQ(again.raised.size(), 1u);
  EXPECT_EQ(store->tasks({}).value().size(), 2u);
}

TEST_F(StoreTest, UnalertedTasksSurviveUntilMarked) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  auto pending = store->unalertedTasks().value();
  ASSERT_EQ(pending.size(), 1u);
  ASSERT_TRUE(store->markAlerted({pending[0].id}, at("2024-05-04T00:00:01Z")));
  EXPECT_TRUE(store->unalertedTasks().value().empty());
}

TEST_F(StoreTest, FinalStageLeavesTheSchedule) {
  store
      ->commitPoll(id, history, "3", at("2024-05-04T00:00:00Z"),
                   [](const Parcel&, const Timeline&) {
                     return Assessment{ParcelStage::delivered, {}};
                   })
      .value();
  EXPECT_TRUE(store->pollTargets().value().empty());
  EXPECT_EQ(store->parcel(id).value().stage, ParcelStage::delivered);
}

TEST_F(StoreTest, FailedAssessmentRollsEverythingBack) {
  auto r = store->commitPoll(id, history, "0", at("2024-05-04T00:00:00Z"),
                             [](const Parcel&, const Timeline&) -> Assessment {
                               throw std::runtime_error("detector bug");
                             });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "commit poll: detector bug");
  EXPECT_TRUE(store->timeline(id).value().empty());
}

TEST_F(StoreTest, ReopenKeepsDataAndSchemaVersion) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  store.reset();
  store = Store::open(dir / "pw.db").value();
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
  EXPECT_EQ(store->quickCheck().value(), "ok");
  SQLite::Database db((dir / "pw.db").string());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            static_cast<int>(store::migrations().size()));
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(StoreOpen, RefusesANewerSchemaAndGarbageFiles) {
  test::TempDir dir;
  {
    SQLite::Database db((dir / "new.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version=99");
  }
  auto r = Store::open(dir / "new.db");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("schema version 99 is newer"), std::string::npos);
  dir.write("junk.db", std::string(4096, 'x'));
  EXPECT_FALSE(Store::open(dir / "junk.db"));
}

namespace {

// What the counts table says must be what counting the rows says.
void expectCountsExact(const std::filesystem::path& file, Store& store) {
  SQLite::Database db(file.string());
  auto c = store.counts().value();
  std::map<std::string, std::int64_t> stages, open, tasks;
  SQLite::Statement s(db, "SELECT stage, COUNT(*) FROM parcels GROUP BY stage");
  while (s.executeStep()) stages[s.getColumn(0).getString()] = s.getColumn(1).getInt64();
  SQLite::Statement o(
      db, "SELECT kind, COUNT(*) FROM exceptions WHERE resolved_at IS NULL GROUP BY kind");
  while (o.executeStep()) open[o.getColumn(0).getString()] = o.getColumn(1).getInt64();
  SQLite::Statement t(db, "SELECT state, COUNT(*) FROM tasks GROUP BY state");
  while (t.executeStep()) tasks[t.getColumn(0).getString()] = t.getColumn(1).getInt64();
  EXPECT_EQ(c.parcels_by_stage, stages);
  EXPECT_EQ(c.open_exceptions_by_kind, open);
  EXPECT_EQ(c.tasks_by_state, tasks);
  EXPECT_EQ(c.events, db.execAndGet("SELECT COUNT(*) FROM events").getInt64());
}

Issue issueOf(ExceptionKind kind, Timestamp since, std::vector<TrackingEvent> evidence = {}) {
  Issue i = stallIssue(since);
  i.finding.kind = kind;
  i.finding.evidence = std::move(evidence);
  return i;
}

CommitRequest request(std::int64_t parcelId, std::vector<TrackingEvent> events,
                      std::vector<Issue> issues, ParcelStage stage = ParcelStage::in_transit) {
  CommitRequest r;
  r.parcel_id = parcelId;
  r.events = std::move(events);
  r.carrier_state = "0";
  r.now = at("2024-05-04T00:00:00Z");
  r.assess = [issues, stage](const Parcel&, const Timeline&) { return Assessment{stage, issues}; };
  return r;
}

std::string plan(const std::filesystem::path& file, const std::string& sql) {
  SQLite::Database db(file.string());
  SQLite::Statement q(db, "EXPLAIN QUERY PLAN " + sql);
  std::string out;
  while (q.executeStep()) out += q.getColumn(3).getString() + "\n";
  return out;
}

}  // namespace

TEST_F(StoreTest, TwoInstancesOnOneFileReadAndWriteSafely) {
  auto other = Store::open(dir / "pw.db").value();
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  EXPECT_EQ(other->timeline(id).value().size(), 2u);  // the other connection sees the commit
  auto task = other->tasks({}).value().at(0);
  ASSERT_TRUE(other->setTaskState(task.id, TaskState::acked, "called", at("2024-05-04T01:00:00Z")));
  EXPECT_EQ(store->tasks({TaskState::acked}).value().size(), 1u);

  // Both write at once from their own threads: each waits for the other's
  // transaction instead of failing.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 2; ++i)
    ids.push_back(store
                      ->addParcel(test::sampleParcel("YT90000000000" + std::to_string(i)),
                                  at("2024-05-01T00:00:00Z"))
                      .value()
                      .id);
  auto writer = [&](Store& s, std::int64_t parcel, int base) {
    for (int n = 0; n < 50; ++n) {
      auto e =
          ev("2024-05-01T04:00:00Z", EventKind::in_transit, "scan " + std::to_string(base + n));
      e.time += minutes(n);
      auto r = s.commitPoll(parcel, {e}, "0", at("2024-05-04T00:00:00Z"),
                            [](const Parcel&, const Timeline&) {
                              return Assessment{ParcelStage::in_transit, {}};
                            });
      ASSERT_TRUE(r) << r.error().message;
    }
  };
  std::thread a([&] { writer(*store, ids[0], 0); });
  std::thread b([&] { writer(*other, ids[1], 100); });
  a.join();
  b.join();
  EXPECT_EQ(store->timeline(ids[0]).value().size(), 50u);
  EXPECT_EQ(store->timeline(ids[1]).value().size(), 50u);
  expectCountsExact(dir / "pw.db", *other);
}

TEST(StoreOpen, TwoOpenersOfANewFileMigrateItOnce) {
  test::TempDir dir;
  std::vector<Result<std::unique_ptr<Store>>> opened;
  opened.reserve(4);
  for (int i = 0; i < 4; ++i) opened.emplace_back(makeError(ErrorCode::internal, "not run"));
  std::vector<std::thread> threads;
  for (auto& o : opened) threads.emplace_back([&o, &dir] { o = Store::open(dir / "pw.db"); });
  for (auto& t : threads) t.join();
  for (auto& o : opened) ASSERT_TRUE(o) << o.error().message;
  SQLite::Database db((dir / "pw.db").string());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            static_cast<int>(store::migrations().size()));
}

TEST_F(StoreTest, BatchRollsBackOnlyTheRequestThatFailed) {
  auto second = store->addParcel(test::sampleParcel("YT2000000000001"), at("2024-05-01T00:00:00Z"))
                    .value()
                    .id;
  auto third = store->addParcel(test::sampleParcel("YT2000000000002"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  std::vector<CommitRequest> batch;
  batch.push_back(request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch.push_back(request(second, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch[1].assess = [](const Parcel&, const Timeline&) -> Assessment {
    throw std::runtime_error("detector bug");
  };
  batch.push_back(request(third, history, {}));
  batch.push_back(request(424242, history, {}));  // untracked meanwhile
  auto out = store->commitBatch(std::move(batch)).value();
  ASSERT_EQ(out.size(), 4u);
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->new_events, 2);
  EXPECT_EQ(out[0]->raised.size(), 1u);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().message, "commit poll: detector bug");
  ASSERT_TRUE(out[2]);
  EXPECT_EQ(out[2]->new_events, 2);
  ASSERT_FALSE(out[3]);
  EXPECT_EQ(out[3].error().code, ErrorCode::not_found);
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
  EXPECT_TRUE(store->timeline(second).value().empty());
  EXPECT_EQ(store->timeline(third).value().size(), 2u);
  EXPECT_EQ(store->tasks({}).value().size(), 1u);
  expectCountsExact(dir / "pw.db", *store);
}

TEST_F(StoreTest, BatchFailsWholeWhenAnotherWriterHoldsTheLock) {
  store.reset();
  StoreOptions quick;
  quick.busy_timeout = milliseconds(50);
  store = Store::open(dir / "pw.db", quick).value();
  SQLite::Database other((dir / "pw.db").string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  auto r = store->commitBatch({request(id, history, {})});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("commit batch"), std::string::npos);
  other.exec("ROLLBACK");
  EXPECT_TRUE(store->commitBatch({request(id, history, {})}).value().at(0));
}

TEST_F(StoreTest, RaisedTaskMessageIsStoredAsFactsAndReadBackTheSame) {
  Issue issue = stallIssue(at("2024-05-03T12:00:00Z"));
  issue.message_source =
      MessageSource{"亲，{carrier_name} {tracking_number} 已 {elapsed_hours} 小时没有更新",
                    "{carrier_name} {tracking_number}: no scan for {elapsed_hours}h",
                    {{"tracking_number", "YT1234567890123"},
                     {"carrier_name", "圆通速递"},
                     {"elapsed_hours", "50"},
                     {"signer", "unused"}},
                    {{"tracking_number", "YT1234567890123"},
                     {"carrier_name", "YTO Express"},
                     {"elapsed_hours", "50"},
                     {"signer", "unused"}}};
  issue.message = {"亲，圆通速递 YT1234567890123 已 50 小时没有更新",
                   "YTO Express YT1234567890123: no scan for 50h"};
  Issue mismatched = issueOf(ExceptionKind::problem, at("2024-05-03T12:00:00Z"));
  mismatched.message_source = issue.message_source;  // does not render to its text: kept as text
  auto out = commit(history, {issue, mismatched}).value();
  ASSERT_EQ(out.raised.size(), 2u);
  auto tasks = store->tasks({}).value();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].message.zh_cn, issue.message.zh_cn);
  EXPECT_EQ(tasks[0].message.en, issue.message.en);
  EXPECT_EQ(tasks[0].suggestion.reason, "wait");
  EXPECT_EQ(tasks[1].message.zh_cn, "亲");
  SQLite::Database db((dir / "pw.db").string());
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM tasks WHERE message_zh IS NULL").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT facts FROM tasks WHERE message_zh IS NULL").getString(),
            R"([["YT1234567890123","圆通速递","50"],["YT1234567890123","YTO Express","50"]])");
}

TEST_F(StoreTest, CapDropsRepeatedScansFirstAndNeverTheEvidence) {
  store.reset();
  StoreOptions small;
  small.event_cap = 10;
  store = Store::open(dir / "pw.db", small).value();
  std::vector<TrackingEvent> all;
  auto at0 = at("2024-05-01T00:00:00Z");
  auto scanAt = [&](int i, EventKind kind, const std::string& text) {
    auto e = ev("2024-05-01T00:00:00Z", kind, text);
    e.time = at0 + hours(i);
    return e;
  };
  all.push_back(scanAt(0, EventKind::picked_up, "已揽收"));
  auto evidence = scanAt(1, EventKind::delivery_failed, "电话无人接听");
  all.push_back(evidence);
  for (int i = 2; i < 30; ++i)
    all.push_back(
        scanAt(i, EventKind::arrived_hub, i % 7 == 0 ? "到达 " + std::to_string(i) : "到达"));
  // The first commit opens an exception on the failed attempt; the second,
  // over the cap, must keep that evidence.
  auto first = std::vector<TrackingEvent>(all.begin(), all.begin() + 3);
  commit(first, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  auto out =
      commit(all, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  EXPECT_EQ(out.new_events, 27);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t.front().description, "已揽收");
  EXPECT_NE(std::find(t.begin(), t.end(), evidence), t.end());
  EXPECT_EQ(t.back().time, all.back().time);  // the newest scan stays
  int distinct = 0;
  for (const auto& e : t) distinct += e.description != "到达";
  EXPECT_GE(distinct, 5);  // the repeats went first: every distinct text is still there
  // The carrier sends the whole history again: what was dropped stays dropped.
  auto again =
      commit(all, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  EXPECT_EQ(again.new_events, 0);
  EXPECT_EQ(store->timeline(id).value().size(), 10u);
  expectCountsExact(dir / "pw.db", *store);
}

TEST_F(StoreTest, CountsStayExactAcrossCommitsTasksUntrackAndReopen) {
  auto other = store->addParcel(test::sampleParcel("YT3000000000001"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z")),
                   issueOf(ExceptionKind::problem, at("2024-05-03T12:00:00Z"))})
      .value();
  store
      ->commitBatch({request(other, history, {stallIssue(at("2024-05-03T12:00:00Z"))},
                             ParcelStage::out_for_delivery)})
      .value();
  expectCountsExact(dir / "pw.db", *store);
  auto c = store->counts().value();
  EXPECT_EQ(c.events, 4);
  EXPECT_EQ(c.open_exceptions_by_kind.at("stalled"), 2);
  EXPECT_EQ(c.tasks_by_state.at("open"), 3);
  EXPECT_EQ(c.parcels_by_stage.at("out_for_delivery"), 1);

  auto rewritten = history;
  rewritten[1].description = "到达（更正）";
  commit(rewritten, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();  // problem resolves
  auto task = store->tasks({TaskState::open}).value().at(0);
  store->setTaskState(task.id, TaskState::dismissed, "", at("2024-05-04T00:00:00Z")).value();
  expectCountsExact(dir / "pw.db", *store);
  store->removeParcel(other).value();
  expectCountsExact(dir / "pw.db", *store);
  store.reset();
  store = Store::open(dir / "pw.db").value();
  expectCountsExact(dir / "pw.db", *store);
  c = store->counts().value();
  EXPECT_EQ(c.events, 2);
  EXPECT_EQ(c.parcels_by_stage.size(), 1u);
  EXPECT_EQ(c.parcels_by_stage.at("in_transit"), 1);
}

TEST_F(StoreTest, ControlQueriesPageThroughIndexesWithoutSorting) {
  for (int i = 0; i < 30; ++i) {
    auto p = store
                 ->addParcel(test::sampleParcel("YT40000000000" + std::to_string(10 + i)),
                             at("2024-05-01T00:00:00Z"))
                 .value()
                 .id;
    store->commitBatch({request(p, history, {stallIssue(at("2024-05-03T12:00:00Z"))})}).value();
  }
  TaskFilter f;
  f.state = TaskState::open;
  f.limit = 7;
  std::vector<std::int64_t> seen;
  for (;;) {
    auto page = store->tasks(f).value();
    if (page.empty()) break;
    for (const auto& t : page) seen.push_back(t.id);
    f.after_id = page.back().id;
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  std::vector<std::int64_t> parcels;
  for (std::int64_t after = 0;;) {
    auto page = store->parcelsWithOpen(ExceptionKind::stalled, after, 4).value();
    if (page.empty()) break;
    parcels.insert(parcels.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(parcels, store->parcelsWithOpen(ExceptionKind::stalled).value());
  EXPECT_EQ(parcels.size(), 30u);
  ExceptionFilter ef;
  ef.open_only = true;
  ef.limit = 8;
  EXPECT_EQ(store->listExceptions(ef).value().size(), 8u);

  auto file = dir / "pw.db";
  for (auto sql :
       {"SELECT t.id FROM tasks t CROSS JOIN parcels p ON p.id = t.parcel_id WHERE t.id > 0 AND "
        "t.state = 'open' ORDER BY t.id LIMIT 50",
        "SELECT t.id FROM tasks t CROSS JOIN parcels p ON p.id = t.parcel_id WHERE t.id > 0 AND "
        "t.kind = 'stalled' ORDER BY t.id LIMIT 50",
        "SELECT parcel_id FROM exceptions INDEXED BY exceptions_open_by_kind WHERE kind='stalled' "
        "AND resolved_at IS NULL AND parcel_id > 0 ORDER BY parcel_id LIMIT 50",
        "SELECT id FROM parcels INDEXED BY parcels_due WHERE next_poll_at IS NOT NULL AND "
        "next_poll_at <= 0 ORDER BY next_poll_at, id LIMIT 256"}) {
    auto p = plan(file, sql);
    EXPECT_EQ(p.find("SCAN"), std::string::npos) << sql << "\n" << p;
    EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << p;
  }
}

TEST_F(StoreTest, DueQueueIsOrderedAndWrittenWithTheResult) {
  auto b = store->addParcel(test::sampleParcel("YT5000000000001"), at("2024-05-01T00:00:00Z"))
               .value()
               .id;
  auto c = store->addParcel(test::sampleParcel("YT5000000000002"), at("2024-05-01T00:00:00Z"))
               .value()
               .id;
  // New parcels are due at once, in id order.
  auto due = store->dueParcels(at("2024-05-01T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].parcel_id, id);
  EXPECT_FALSE(due[0].quota.tokens_at);

  auto r = request(id, history, {});
  r.next_poll_at = at("2024-05-04T03:00:00Z");
  r.query = QueryRecord{at("2024-05-04T00:00:00Z"), 46.5};
  auto final = request(b, history, {}, ParcelStage::delivered);
  final.next_poll_at = at("2024-05-04T01:00:00Z");  // a final stage unschedules anyway
  store->commitBatch({r, final}).value();
  ASSERT_TRUE(store->setNextPoll(c, at("2024-05-04T02:00:00Z")));
  EXPECT_FALSE(store->setNextPoll(999, at("2024-05-04T02:00:00Z")));

  EXPECT_TRUE(store->dueParcels(at("2024-05-04T01:59:59Z"), 10).value().empty());
  due = store->dueParcels(at("2024-05-05T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].parcel_id, c);
  EXPECT_EQ(due[1].parcel_id, id);
  EXPECT_EQ(due[1].tracking_number, "YT1234567890123");
  EXPECT_EQ(due[1].carrier, "yuantong");
  EXPECT_EQ(due[1].next_poll_at, at("2024-05-04T03:00:00Z"));
  EXPECT_EQ(due[1].quota.last_query_at, at("2024-05-04T00:00:00Z"));
  EXPECT_EQ(due[1].quota.tokens, 46.5);
  EXPECT_EQ(due[1].last_event_at, history.back().time);
  EXPECT_EQ(due[1].last_event_kind, EventKind::arrived_hub);
  EXPECT_EQ(due[1].stage, ParcelStage::in_transit);
  EXPECT_EQ(store->dueParcels(at("2024-05-05T00:00:00Z"), 1).value().size(), 1u);
  EXPECT_EQ(store->nextDue().value(), at("2024-05-04T02:00:00Z"));

  ASSERT_TRUE(store->recordQuery(c, at("2024-05-04T02:00:00Z"), 47));
  ASSERT_TRUE(store->setNextPoll(c, std::nullopt));
  due = store->dueParcels(at("2024-05-05T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].parcel_id, id);
}

TEST(StoreMigration, AVersion6FileIsMigratedInPlace) {
  test::TempDir dir;
  auto file = dir / "v6.db";
  {
    // Today's schema, steps 1-6 as released, with rows as version 6 wrote them.
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    for (int i = 0; i < 6; ++i)
      db.exec(std::string(store::migrations()[static_cast<size_t>(i)].sql));
    db.exec("PRAGMA user_version=6");
    db.exec(R"sql(
INSERT INTO parcels (id, tracking_number, carrier, province, city, district, address, shipped_at,
  registered_at, stage, last_polled_at) VALUES
  (1, 'YT1234567890123', 'yuantong', '浙江省', '杭州市', '西湖区', '文三路', 1714528800, 1714521600,
   'in_transit', 1714780800),
  (2, 'YT1234567890124', 'yuantong', '浙江省', '杭州市', '西湖区', '文三路', 1714528800, 1714521600,
   'delivered', 1714780800);
INSERT INTO events (parcel_id, time, local_time, description, location, kind, carrier_status,
  first_seen_at, reason, signer_type, signer, province, city, district) VALUES
  (1, 1714536000, '2024-05-01 12:00:00', '已揽收', '', 'picked_up', '0', 1714780800, 'none', 'none',
   '', '浙江省', '杭州市', '西湖区'),
  (1, 1714564800, '2024-05-01 20:00', '到达', '杭州', 'arrived_hub', '', 1714780800, 'none', 'none',
   '', '', '', ''),
  (2, 1714536000, '2024-05-01 12:00:00', '已揽收', '', 'picked_up', '0', 1714780800, 'none', 'none',
   '', '', '', ''),
  (2, 1714600000, '2024-05-02 05:46:40', '已签收', '', 'signed', '3', 1714780800, 'none', 'self',
   '本人', '', '', '');
INSERT INTO exceptions (id, parcel_id, kind, since, threshold, elapsed, detail, evidence, opened_at,
  updated_at, resolved_at) VALUES
  (1, 1, 'stalled', 1714564800, 172800, 180000, 'stalled',
   '[{"time":"2024-05-01T12:00:00Z","description":"到达","location":"杭州"}]', 1714780800,
   1714780800, NULL),
  (2, 2, 'problem', 1714564800, 0, 0, 'old', '[]', 1714700000, 1714780800, 1714780800);
INSERT INTO tasks (id, exception_id, parcel_id, kind, remedy, reason, message_zh, message_en,
  detail, state, created_at, updated_at, alerted_at) VALUES
  (1, 1, 1, 'stalled', 'soothe_and_wait', 'wait', '亲您好', 'Hello', 'stalled', 'open',
   1714780800, 1714780800, 1714780800),
  (2, 2, 2, 'problem', 'contact_carrier', 'ask', '亲', 'Hi', 'old', 'done', 1714700000,
   1714780800, NULL);
)sql");
  }
  auto store = Store::open(file).value();
  SQLite::Database db(file.string());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            static_cast<int>(store::migrations().size()));
  EXPECT_EQ(store->quickCheck().value(), "ok");
  auto t = store->timeline(1).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].description, "已揽收");
  EXPECT_EQ(t[0].local_time, "2024-05-01 12:00:00");
  EXPECT_EQ(t[0].kind, EventKind::picked_up);
  EXPECT_EQ(t[0].carrier_status, "0");
  EXPECT_EQ(t[0].place, (Place{"浙江省", "杭州市", "西湖区"}));
  EXPECT_EQ(t[1].local_time, "2024-05-01 20:00");  // not the standard shape: kept as written
  EXPECT_EQ(t[1].location, "杭州");
  auto signedScan = store->timeline(2).value().at(1);
  EXPECT_EQ(signedScan.signer_type, SignerType::self);
  EXPECT_EQ(signedScan.signer, "本人");
  auto tasks = store->tasks({}).value();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].message.zh_cn, "亲您好");
  EXPECT_EQ(tasks[0].message.en, "Hello");
  EXPECT_EQ(tasks[0].suggestion.reason, "wait");
  EXPECT_EQ(tasks[1].state, TaskState::done);
  EXPECT_EQ(store->unalertedTasks().value().size(), 1u);
  expectCountsExact(file, *store);
  // The parcel still in transit is due an interval after its last poll; the delivered one is not.
  auto due = store->dueParcels(at("2030-01-01T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].next_poll_at, Timestamp(Seconds(1714780800 + 3600)));
  // The same history and finding again: nothing new, the evidence is recognised.
  auto again = store
                   ->commitPoll(1, t, "0", at("2024-05-04T01:00:00Z"),
                                [&](const Parcel&, const Timeline&) {
                                  Issue i = stallIssue(Timestamp(Seconds(1714564800)));
                                  TrackingEvent e;
                                  e.time = Timestamp(Seconds(1714564800));
                                  e.description = "到达";
                                  i.finding.evidence = {e};
                                  return Assessment{ParcelStage::in_transit, {i}};
                                })
                   .value();
  EXPECT_EQ(again.new_events, 0);
  EXPECT_EQ(again.rewritten, 0);
  EXPECT_TRUE(again.raised.empty());
  EXPECT_TRUE(again.updated.empty());
}
