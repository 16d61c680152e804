#include "store/sqlite_store.h"

#include "store/migrations.h"
#include "store/timeline_page.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
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
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  std::int64_t id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  std::vector<TrackingEvent> history = {ev("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收"),
                                        ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "到达")};

  // The store again on the same file, keeping at most `cap` events a parcel.
  void reopenWithEventCap(std::size_t cap) {
    store.reset();
    StoreOptions options;
    options.event_cap = cap;
    store = SqliteStore::open(dir / "pw.db", options).value();
  }

  Result<PollOutcome> commit(const std::vector<TrackingEvent>& events, std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, events, "0", now,
                             [&](const Parcel&, const Timeline&, const ClaimFacts&) {
                               return Assessment{ParcelStage::in_transit, issues};
                             });
  }
};

}  // namespace

TEST_F(StoreTest, ReopenKeepsDataAndSchemaVersion) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  store.reset();
  store = SqliteStore::open(dir / "pw.db").value();
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
  auto r = SqliteStore::open(dir / "new.db");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("schema version 99 is newer"), std::string::npos);
  dir.write("junk.db", std::string(4096, 'x'));
  EXPECT_FALSE(SqliteStore::open(dir / "junk.db"));
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
  r.assess = [issues, stage](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{stage, issues};
  };
  return r;
}

std::int64_t track(Store& store, const std::string& number) {
  return store.addParcel(test::sampleParcel(number), at("2024-05-01T00:00:00Z")).value().id;
}

Assessment detectorBug(const Parcel&, const Timeline&, const ClaimFacts&) {
  throw std::runtime_error("detector bug");
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
  auto other = SqliteStore::open(dir / "pw.db").value();
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
                            [](const Parcel&, const Timeline&, const ClaimFacts&) {
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
  for (auto& o : opened) threads.emplace_back([&o, &dir] { o = SqliteStore::open(dir / "pw.db"); });
  for (auto& t : threads) t.join();
  for (auto& o : opened) ASSERT_TRUE(o) << o.error().message;
  SQLite::Database db((dir / "pw.db").string());
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(),
            static_cast<int>(store::migrations().size()));
}

TEST_F(StoreTest, BatchRollsBackOnlyTheRequestThatFailed) {
  auto second = track(*store, "YT2000000000001");
  auto third = track(*store, "YT2000000000002");
  std::vector<CommitRequest> batch;
  batch.push_back(request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch.push_back(request(second, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch[1].assess = detectorBug;
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

// Counts of new exceptions, tasks, stages and events are added up in the transaction
// and written at its commit (schema step 13): a request that fails after it raised
// takes its share back, and the batch written again counts each request once.
TEST_F(StoreTest, CountsStayExactWhenARequestFailsAfterRaising) {
  auto second = track(*store, "YT2000000000001");
  auto third = track(*store, "YT2000000000002");
  std::vector<CommitRequest> batch;
  batch.push_back(request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))},
                          ParcelStage::out_for_delivery));
  batch.push_back(request(second, history,
                          {stallIssue(at("2024-05-03T12:00:00Z")),
                           issueOf(ExceptionKind::problem, at("2024-05-03T12:00:00Z"))},
                          ParcelStage::returned));
  // Thrown after its exceptions and tasks were written, before its stage.
  batch[1].plan_next = [](const PollOutcome&) -> std::optional<Timestamp> {
    throw std::runtime_error("planner bug");
  };
  batch.push_back(request(third, history,
                          {issueOf(ExceptionKind::problem, at("2024-05-03T12:00:00Z"))},
                          ParcelStage::returned));
  auto out = store->commitBatch(std::move(batch)).value();
  ASSERT_EQ(out.size(), 3u);
  ASSERT_TRUE(out[0]);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().message, "commit poll: planner bug");
  ASSERT_TRUE(out[2]);
  expectCountsExact(dir / "pw.db", *store);
  auto c = store->counts().value();
  EXPECT_EQ(c.events, 4);
  EXPECT_EQ(c.open_exceptions_by_kind.at("stalled"), 1);
  EXPECT_EQ(c.open_exceptions_by_kind.at("problem"), 1);
  EXPECT_EQ(c.tasks_by_state.at("open"), 2);
  EXPECT_EQ(c.parcels_by_stage.at("out_for_delivery"), 1);
  EXPECT_EQ(c.parcels_by_stage.at("returned"), 1);
  // The same answers again: nothing new, the stages move back and forth.
  store
      ->commitBatch(
          {request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))}, ParcelStage::in_transit),
           request(second, history, {}, ParcelStage::out_for_delivery)})
      .value();
  expectCountsExact(dir / "pw.db", *store);
}

// The writer remembers which texts it stored; a request rolled back takes its
// texts with it, and the next request that names them must store them again.
TEST_F(StoreTest, ATextARolledBackRequestStoredIsStoredAgainByTheNext) {
  auto second = track(*store, "YT2000000000001");
  auto third = track(*store, "YT2000000000002");
  auto fresh = history;
  for (auto& e : fresh) e.description += " (first seen in a request that fails)";
  std::vector<CommitRequest> batch;
  batch.push_back(request(second, fresh, {}));
  batch[0].assess = detectorBug;
  batch.push_back(request(third, fresh, {}));
  auto out = store->commitBatch(std::move(batch)).value();
  ASSERT_FALSE(out[0]);
  ASSERT_TRUE(out[1]);
  store.reset();  // nothing cached: what is read back is what the file holds
  store = SqliteStore::open(dir / "pw.db").value();
  auto timeline = store->timeline(third).value();
  ASSERT_EQ(timeline.size(), fresh.size());
  for (std::size_t i = 0; i < fresh.size(); ++i)
    EXPECT_EQ(timeline[i].description, fresh[i].description);
  SQLite::Database db((dir / "pw.db").string());
  EXPECT_EQ(
      db.execAndGet("SELECT COUNT(*) FROM texts WHERE text LIKE '%request that fails)'").getInt(),
      static_cast<int>(fresh.size()));
  expectCountsExact(dir / "pw.db", *store);
}

// A first answer is assessed from the events it inserted, not read back: what the rules see
// must be exactly what every later poll reads from the file (every kind, reason and signer
// type through the dictionary, local times that are and are not China time, equal times in
// arrival order, a duplicate dropped), and a second answer reads it back as before.
TEST_F(StoreTest, AFirstAnswerIsAssessedAsTheStoreReadsItBack) {
  std::vector<TrackingEvent> answer;
  for (int k = 0; k <= static_cast<int>(EventKind::redirected); ++k) {
    auto e = ev("2024-05-01T04:00:00Z", static_cast<EventKind>(k), "扫描 " + std::to_string(k));
    e.time += hours(k % 5);  // several events at each time, arriving out of time order
    e.local_time = k % 2 ? "2024-05-01 12:00:00" : "";
    e.location = k % 3 ? "杭州" : "";
    e.reason = static_cast<EventReason>(k % (static_cast<int>(EventReason::other) + 1));
    e.signer_type = static_cast<SignerType>(k % (static_cast<int>(SignerType::unknown) + 1));
    e.signer = k % 4 ? "门卫" : "";
    e.carrier_status = std::to_string(k);
    e.place = {"浙江省", k % 2 ? "杭州市" : "", ""};
    answer.push_back(e);
  }
  answer.push_back(answer[3]);  // twice in one answer: stored once
  auto chinaTime = answer[0];
  chinaTime.time = at("2024-05-02T01:00:00Z");
  chinaTime.local_time = "2024-05-02 09:00:00";  // stored as NULL, read back the same
  answer.push_back(chinaTime);
  auto assessedOn = [&](Timeline& seen) {
    return [&seen](const Parcel&, const Timeline& t, const ClaimFacts&) {
      seen = t;
      return Assessment{ParcelStage::in_transit, {}};
    };
  };
  Timeline first, second;
  ASSERT_TRUE(store->commitPoll(id, answer, "0", at("2024-05-04T00:00:00Z"), assessedOn(first)));
  auto stored = store->timeline(id).value();
  ASSERT_EQ(stored.size(), answer.size() - 1);
  EXPECT_EQ(first, stored);
  ASSERT_TRUE(store->commitPoll(id, answer, "0", at("2024-05-04T01:00:00Z"), assessedOn(second)));
  EXPECT_EQ(second, stored);
  store.reset();  // nothing cached: what is read back is what the file holds
  store = SqliteStore::open(dir / "pw.db").value();
  EXPECT_EQ(store->timeline(id).value(), first);
}

// An event's local time is stored as NULL only when it is exactly the China time the
// store writes back for it; every other text, however close, is kept as it came.
TEST_F(StoreTest, LocalTimesAreReadBackAsTheCarrierWroteThem) {
  struct Case {
    const char* utc;
    const char* local;
    bool null;
  };
  const Case cases[] = {
      {"2024-05-02T01:00:00Z", "2024-05-02 09:00:00", true},
      {"2024-05-02T01:01:00Z", "2024-05-02 09:00:60", false},  // a leap second's text
      {"2024-05-02T01:02:00Z", "2024-05-02T09:02:00", false},
      {"2024-05-02T01:03:00Z", "2024/05/02 09:03:00", false},
      {"2024-05-02T01:04:00Z", "2024-05-02 09:04", false},
      {"2024-05-02T01:05:00Z", "2024-05-02 10:05:00", false},  // another zone
      {"2024-05-02T01:06:00Z", "", false},
      {"2024-02-29T16:07:00Z", "2024-03-01 00:07:00", true},   // the day after a leap day
      {"0999-05-02T01:08:00Z", "0999-05-02 09:08:00", false},  // not how the store writes it
  };
  std::vector<TrackingEvent> answer;
  for (const auto& c : cases) {
    auto e = ev(c.utc, EventKind::in_transit, std::string("扫描 ") + c.local);
    e.local_time = c.local;
    answer.push_back(e);
  }
  ASSERT_TRUE(store->commitPoll(id, answer, "0", at("2024-05-04T00:00:00Z"),
                                [](const Parcel&, const Timeline&, const ClaimFacts&) {
                                  return Assessment{ParcelStage::in_transit, {}};
                                }));
  store.reset();
  store = SqliteStore::open(dir / "pw.db").value();
  auto back = store->timeline(id).value();
  ASSERT_EQ(back.size(), answer.size());
  SQLite::Database db((dir / "pw.db").string());
  for (const auto& c : cases) {
    auto e = std::find_if(back.begin(), back.end(), [&](const TrackingEvent& x) {
      return x.description == std::string("扫描 ") + c.local;
    });
    ASSERT_NE(e, back.end()) << c.local;
    EXPECT_EQ(e->local_time, c.local);
    SQLite::Statement q(db, "SELECT local_time IS NULL FROM events WHERE time=?");
    q.bind(1, static_cast<int64_t>(at(c.utc).time_since_epoch().count()));
    ASSERT_TRUE(q.executeStep()) << c.local;
    EXPECT_EQ(q.getColumn(0).getInt() == 1, c.null) << c.local;
  }
}

TEST_F(StoreTest, BatchFailsWholeWhenAnotherWriterHoldsTheLock) {
  store.reset();
  StoreOptions quick;
  quick.busy_timeout = milliseconds(50);
  store = SqliteStore::open(dir / "pw.db", quick).value();
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
  reopenWithEventCap(10);
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

// SQLite does not enforce the foreign keys (see SqliteStore::open): removing a parcel
// deletes its rows from every table itself, the events the cap dropped included, and
// `check` finds a row whose parcel is gone.
TEST_F(StoreTest, RemovalLeavesNoRowBehindAndCheckFindsOneThatIs) {
  reopenWithEventCap(3);
  std::vector<TrackingEvent> scans;
  for (int i = 0; i < 6; ++i) {
    auto e = ev("2024-05-01T00:00:00Z", EventKind::arrived_hub, "到达 " + std::to_string(i));
    e.time += hours(i);
    scans.push_back(e);
  }
  commit(scans, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  ASSERT_TRUE(store->addClaim(id, "not received", at("2024-05-05T00:00:00Z")));
  SQLite::Database db((dir / "pw.db").string(), SQLite::OPEN_READWRITE);
  ASSERT_GT(db.execAndGet("SELECT COUNT(*) FROM dropped_events").getInt(), 0);
  ASSERT_TRUE(store->removeParcel(id));
  for (const char* table : {"events", "dropped_events", "exceptions", "tasks", "claims"})
    EXPECT_EQ(db.execAndGet(std::string("SELECT COUNT(*) FROM ") + table).getInt(), 0) << table;
  EXPECT_EQ(store->quickCheck().value(), "ok");

  auto other = store->addParcel(test::sampleParcel("YT3000000000001"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  id = other;
  commit(history, {}).value();
  db.exec("DELETE FROM parcels WHERE id=" + std::to_string(other));  // behind the store's back
  auto check = store->quickCheck().value();
  EXPECT_NE(check, "ok");
  EXPECT_NE(check.find("2 row(s) refer to rows that are gone"), std::string::npos) << check;
  EXPECT_NE(check.find("events row"), std::string::npos) << check;
  EXPECT_NE(check.find("refers to a missing parcels row"), std::string::npos) << check;
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
  store = SqliteStore::open(dir / "pw.db").value();
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
        "AND resolved_at IS NULL AND parcel_id > 0 ORDER BY parcel_id LIMIT 50"}) {
    auto p = plan(file, sql);
    EXPECT_EQ(p.find("SCAN"), std::string::npos) << sql << "\n" << p;
    EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << p;
  }
  // Nothing running reads the parcels by next poll (the schedule lives in the daemon): no
  // index moves an entry at every answer (schema step 14).
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name='parcels_due'").getInt(),
            0);
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
  auto store = SqliteStore::open(file).value();
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
                                [&](const Parcel&, const Timeline&, const ClaimFacts&) {
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

namespace {

// A reassessment's rules for the page tests: what it decides follows from the
// timeline and the claims alone, so two stores given the same data and the
// same page must come to the same rows.
Assessment pageRules(const Parcel& p, const Timeline& timeline, const ClaimFacts& claims) {
  Assessment a;
  a.stage = timeline.size() >= 3 ? ParcelStage::delivered : ParcelStage::in_transit;
  if (timeline.size() % 2 == 1) {
    Issue i = stallIssue(timeline.back().time);
    i.finding.evidence = {timeline.back()};
    i.finding.detail = "no scan since " + timeline.back().description;
    a.issues.push_back(i);
  }
  if (claims.claimed_not_received || claims.buyer_claims > 1) {
    Issue i = stallIssue(timeline.empty() ? p.shipped_at : timeline.front().time);
    i.finding.kind = ExceptionKind::false_signed;
    i.finding.detail = "claims " + std::to_string(claims.buyer_claims);
    a.issues.push_back(i);
  }
  return a;
}

// N parcels, some with histories (one to three scans), open exceptions from a
// first poll and claims; every store built with it holds the same rows.
std::vector<std::int64_t> fillForPages(Store& store, int n) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < n; ++i) {
    Parcel p = test::sampleParcel("YT30000000" + std::to_string(10000 + i));
    p.buyer_id = "buyer-" + std::to_string(i % 4);
    auto id = store.addParcel(p, at("2024-05-01T00:00:00Z")).value().id;
    ids.push_back(id);
    std::vector<TrackingEvent> events;
    for (int k = 0; k < i % 4; ++k)
      events.push_back(
          ev("2024-05-0" + std::to_string(1 + k) + "T0" + std::to_string(i % 7) + ":00:00Z",
             EventKind::arrived_hub, "到达 " + std::to_string(k)));
    // Two scans of one second, in both orders: the events index keeps them
    // by their texts' hashes, so one order is not the index's, and a page
    // read must put them back in the order they came, as loadTimeline does.
    if (i % 6 == 5) {
      std::vector<std::string> pair = {"同一秒 甲", "同一秒 乙"};
      if (i % 12 == 11) std::swap(pair[0], pair[1]);
      for (const auto& text : pair)
        events.push_back(ev("2024-05-03T09:00:00Z", EventKind::arrived_hub, text));
    }
    // The first poll had seen one scan less: its exceptions differ from a reassessment's.
    std::vector<Issue> issues;
    if (i % 3 == 0) issues.push_back(stallIssue(at("2024-05-01T00:00:00Z")));
    store
        .commitPoll(id, events, "0", at("2024-05-04T00:00:00Z"),
                    [&](const Parcel&, const Timeline&, const ClaimFacts&) {
                      return Assessment{ParcelStage::in_transit, issues};
                    })
        .value();
    if (i % 5 == 0) store.addClaim(id, "没收到", at("2024-05-03T00:00:00Z")).value();
  }
  return ids;
}

// What a reassessment leaves behind, to compare two stores by.
std::vector<std::string> rowsOf(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  std::vector<std::string> out;
  for (const char* sql :
       {"SELECT id || ' ' || stage || ' ' || IFNULL(next_poll_at, '-') FROM parcels ORDER BY id",
        "SELECT id || ' ' || parcel_id || ' ' || kind || ' ' || elapsed || ' ' || detail || ' ' "
        "|| evidence || ' ' || updated_at || ' ' || IFNULL(resolved_at, '-') FROM exceptions "
        "ORDER BY id",
        "SELECT id || ' ' || exception_id || ' ' || state || ' ' || updated_at FROM tasks ORDER BY "
        "id",
        "SELECT seq || ' ' || event || ' ' || payload FROM outbox ORDER BY seq"}) {
    SQLite::Statement q(db, sql);
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  }
  return out;
}

std::string describe(const Result<PollOutcome>& r) {
  if (!r) return "error " + r.error().message;
  std::string s = std::string(toString(r->stage));
  for (const auto& t : r->raised) s += " raised " + std::to_string(t.exception_id);
  for (auto id : r->resolved_ids) s += " resolved " + std::to_string(id);
  for (const auto& u : r->updated) s += " updated " + std::to_string(u.exception_id);
  for (const auto& c : r->closed_tasks) s += " closed " + std::to_string(c.task_id);
  return s;
}

}  // namespace

TEST_F(StoreTest, ReassessPageReadAtOnceDecidesAsParcelByParcel) {
  auto other = SqliteStore::open(dir / "other.db").value();
  other->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value();  // as the fixture's
  auto ids = fillForPages(*store, 40);
  ASSERT_EQ(fillForPages(*other, 40), ids);
  ASSERT_EQ(rowsOf(dir / "pw.db"), rowsOf(dir / "other.db"));

  // What each path showed the rules, by parcel.
  std::map<std::int64_t, std::string> seenBulk, seenOne;
  auto pageOf = [&](std::vector<std::int64_t> pick, std::map<std::int64_t, std::string>& seen) {
    ReassessPage page;
    for (auto id : pick) {
      auto p = store->parcel(id);
      page.parcels.push_back(p ? *p : Parcel{.id = id});
    }
    page.now = at("2024-05-06T00:00:00Z");
    page.claims_since = at("2024-04-06T00:00:00Z");
    page.assess = [&seen](const Parcel& p, const Timeline& t, const ClaimFacts& c, bool) {
      std::string s = p.tracking_number + " " + std::string(toString(p.stage)) + " claimed " +
                      std::to_string(c.claimed_not_received) + " buyer " +
                      std::to_string(c.buyer_claims);
      for (const auto& e : t)
        s += " | " + std::to_string(e.time.time_since_epoch().count()) + " " + e.description + " " +
             std::string(toString(e.kind)) + " " + e.local_time;
      seen[p.id] = s;
      return pageRules(p, t, c);
    };
    return page;
  };
  // A page of consecutive parcels (read as one range), then a sparse one
  // (read parcel by parcel) that reassesses some of them again.
  std::vector<std::int64_t> sparse;
  for (std::size_t i = 0; i < ids.size(); i += 13) sparse.push_back(ids[i]);
  sparse.push_back(ids.back() + 1000);  // gone meanwhile: an error in its slot
  for (const auto& pick : {std::vector<std::int64_t>(ids.begin(), ids.end() - 5), sparse}) {
    auto bulk = store->reassessPage(pageOf(pick, seenBulk)).value();
    auto one = other->Store::reassessPage(pageOf(pick, seenOne)).value();
    ASSERT_EQ(bulk.size(), pick.size());
    ASSERT_EQ(one.size(), pick.size());
    for (std::size_t i = 0; i < pick.size(); ++i)
      EXPECT_EQ(describe(bulk[i]), describe(one[i])) << "parcel " << pick[i];
  }
  EXPECT_FALSE(store->reassessPage(pageOf({ids.back() + 1000}, seenBulk)).value().front());
  EXPECT_EQ(seenBulk, seenOne);
  EXPECT_EQ(rowsOf(dir / "pw.db"), rowsOf(dir / "other.db"));
  EXPECT_GT(store->counts().value().open_exceptions_by_kind.at("false_signed"), 0);
}

// reassess --all's screens (another connection reads and assesses a page,
// the writer's connection writes only the parcels the screen named, from
// what it read) leave the same rows as the page reassessed at once; a parcel
// written after the screen's mark, on the loop's connection or the writer's,
// is read again, not written from what the screen saw.
TEST_F(StoreTest, ScreenedReassessLeavesTheRowsOfAReassessedPage) {
  auto other = SqliteStore::open(dir / "other.db").value();
  other->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value();  // as the fixture's
  auto ids = fillForPages(*store, 40);
  ASSERT_EQ(fillForPages(*other, 40), ids);
  // Stalls whose detail names the day of the reassessment, as elapsed times
  // do: a later reassessment rewrites only the details of those that hold.
  auto pageOf = [&](Store& s, const char* now = "2024-05-07T00:00:00Z") {
    ReassessPage page;
    for (auto id : ids) page.parcels.push_back(s.parcel(id).value());
    page.now = at(now);
    page.claims_since = at("2024-04-06T00:00:00Z");
    page.assess = [now = std::string(now)](const Parcel& p, const Timeline& t, const ClaimFacts& c,
                                           bool) {
      Assessment a = pageRules(p, t, c);
      for (auto& issue : a.issues)
        if (issue.finding.kind == ExceptionKind::stalled) issue.finding.detail += " as of " + now;
      return a;
    };
    return page;
  };
  // Half of them reassessed a day before: a screen passes over those whose
  // findings hold with the same evidence and stage, but for the details.
  for (Store* s : {static_cast<Store*>(store.get()), static_cast<Store*>(other.get())}) {
    auto half = pageOf(*s, "2024-05-06T00:00:00Z");
    half.parcels.resize(ids.size() / 2);
    ASSERT_TRUE(s->reassessPage(half));
  }
  auto screen = store->openScreen().value();
  ASSERT_TRUE(screen);
  auto mark = store->screenMark();
  auto page = pageOf(*store);
  // The loop hands out ids alone: the screen reads the rows and hands back
  // those of the parcels it names.
  ReassessPage ofIds = page;
  for (auto& p : ofIds.parcels) p = Parcel{.id = p.id, .tracking_number = {}, .carrier = {}};
  auto screened = screen->screenReassess(ofIds).value();
  ASSERT_EQ(screened.named.size(), ids.size());
  ReassessPage named = page;
  named.parcels.clear();
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (screened.named[i]) named.parcels.push_back(page.parcels[i]);
  ASSERT_EQ(screened.parcels.size(), named.parcels.size());
  for (std::size_t k = 0; k < named.parcels.size(); ++k) {
    EXPECT_EQ(screened.parcels[k].id, named.parcels[k].id);
    EXPECT_EQ(screened.parcels[k].tracking_number, named.parcels[k].tracking_number);
    EXPECT_EQ(screened.parcels[k].buyer_id, named.parcels[k].buyer_id);
  }
  ASSERT_FALSE(named.parcels.empty());
  ASSERT_LT(named.parcels.size(), ids.size()) << "some parcels change nothing";
  ASSERT_TRUE(screened.rows);
  ASSERT_FALSE(screened.rows->refresh_only.empty()) << "some only refresh details";
  ASSERT_FALSE(screened.rows->by_id.empty()) << "some raise, resolve or move";

  // Meanwhile a poll brings a named parcel one more scan, in both stores;
  // another's commits on the writer's connection, which writes the page.
  const auto moved = named.parcels.front().id;
  const auto onWriter = screened.rows->refresh_only.begin()->first;
  ASSERT_NE(moved, onWriter);
  auto writer = store->openWriter().value();
  ASSERT_TRUE(writer);
  auto poll = [&](Store& s, std::int64_t parcel) {
    auto timeline = s.timeline(parcel).value();
    timeline.push_back(ev("2024-05-05T00:00:00Z", EventKind::arrived_hub, "到达 9"));
    s.commitPoll(parcel, timeline, "0", at("2024-05-05T01:00:00Z"),
                 [](const Parcel&, const Timeline&, const ClaimFacts&) {
                   return Assessment{ParcelStage::in_transit, {}};
                 })
        .value();
  };
  poll(*store, moved);
  poll(*other, moved);
  poll(*writer, onWriter);
  poll(*other, onWriter);
  auto written = writer->reassessScreened(named, screened, mark).value();
  store->endScreens();
  auto whole = other->reassessPage(pageOf(*other)).value();
  EXPECT_EQ(rowsOf(dir / "pw.db"), rowsOf(dir / "other.db"));
  ASSERT_EQ(written.size(), named.parcels.size());
  ASSERT_EQ(whole.size(), ids.size());
  for (std::size_t i = 0, k = 0; i < ids.size(); ++i) {
    if (screened.named[i]) {
      EXPECT_EQ(describe(written[k++]), describe(whole[i])) << "parcel " << ids[i];
      continue;
    }
    ASSERT_TRUE(whole[i]);
    EXPECT_TRUE(whole[i]->raised.empty() && whole[i]->resolved_ids.empty() &&
                whole[i]->updated.empty())
        << "a parcel the screen passed over changes nothing: " << ids[i];
  }
}

TEST_F(StoreTest, ReassessThatChangesNothingWritesNothing) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  auto moving = store->addParcel(test::sampleParcel("YT2000000000009"), at("2024-05-01T00:00:00Z"))
                    .value()
                    .id;
  store
      ->commitPoll(moving, history, "0", at("2024-05-04T00:00:00Z"),
                   [](const Parcel&, const Timeline&, const ClaimFacts&) {
                     return Assessment{ParcelStage::in_transit, {}};
                   })
      .value();
  SQLite::Database probe((dir / "pw.db").string(), SQLite::OPEN_READONLY);
  auto version = [&] { return probe.execAndGet("PRAGMA data_version").getInt64(); };
  auto rows = rowsOf(dir / "pw.db");
  std::string detail = "stalled";
  ReassessPage page;
  page.parcels = {store->parcel(id).value(), store->parcel(moving).value()};
  page.now = at("2024-05-05T00:00:00Z");
  page.claims_since = at("2024-04-05T00:00:00Z");
  page.assess = [&](const Parcel& p, const Timeline&, const ClaimFacts&, bool) {
    Assessment a{ParcelStage::in_transit, {}};
    if (p.id == id) {
      a.issues.push_back(stallIssue(at("2024-05-03T12:00:00Z")));
      a.issues.back().finding.elapsed = hours(60);  // grown since the poll: not news
      a.issues.back().finding.detail = detail;
    }
    return a;
  };

  auto v0 = version();
  for (auto* path : {"bulk", "parcel by parcel"}) {
    auto r = std::string(path) == "bulk" ? store->reassessPage(page).value()
                                         : store->Store::reassessPage(page).value();
    for (const auto& one : r) {
      ASSERT_TRUE(one);
      EXPECT_TRUE(one->raised.empty() && one->resolved.empty() && one->updated.empty()) << path;
    }
    EXPECT_EQ(version(), v0) << path << ": nothing changed, nothing written";
    EXPECT_EQ(rowsOf(dir / "pw.db"), rows) << path;
  }

  // A detail that says more now (how long it has held) is rewritten, with
  // its elapsed time, but is no news: no alert line.
  detail = "stalled for 36h";
  ASSERT_TRUE(store->reassessPage(page).value().front());
  EXPECT_NE(version(), v0);
  auto shown = store->exceptions(id).value();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].finding.detail, "stalled for 36h");
  EXPECT_EQ(shown[0].finding.elapsed, hours(60));
  EXPECT_EQ(store->outboxHead().value(), 2) << "only the raise's two lines";
  auto now = rowsOf(dir / "pw.db");
  EXPECT_EQ(now.size(), rows.size());
}
