// `parcelwatchd --migrate-to-postgres` (issue 12): a SQLite database built through SqliteStore is
// copied into PostgreSQL and read back through PostgresStore: same timelines, tasks, exceptions,
// counts and outbox, ids kept, sequences past them; twice, after an interrupted run, into a
// database holding someone else's parcels; and the real binary once. Labelled `postgres`.
#include "model/model_json.h"
#include "store/postgres/conninfo_redact.h"
#include "store/postgres/copy_from_sqlite.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/pg_test_schema.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace pw;
using namespace std::chrono;
using test::at;
namespace fs = std::filesystem;

namespace {

TrackingEvent ev(const std::string& utc, EventKind kind, const std::string& text,
                 const std::string& location = "") {
  TrackingEvent e;
  e.time = at(utc);
  e.local_time = utc;
  e.kind = kind;
  e.description = text;
  e.location = location;
  e.carrier_status = "0";
  e.place = {"浙江省", "杭州市", "西湖区"};
  return e;
}

Issue issueOf(ExceptionKind kind, Timestamp since, std::vector<TrackingEvent> evidence = {}) {
  Issue i;
  i.finding.kind = kind;
  i.finding.since = since;
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = std::string(toString(kind)) + " detail";
  i.finding.evidence = std::move(evidence);
  i.suggestion = {Remedy::soothe_and_wait, "wait and see"};
  i.message = {"亲，请稍候", "please wait"};
  return i;
}

// A message the SQLite store keeps as templates and facts (rendered again when read).
Issue templatedIssue(ExceptionKind kind, Timestamp since, const std::string& number) {
  Issue i = issueOf(kind, since);
  i.message_source = MessageSource{
      "亲，{carrier_name} {tracking_number} 已 {hours} 小时没有更新",
      "{carrier_name} {tracking_number}: no scan for {hours}h",
      {{"tracking_number", number}, {"carrier_name", "圆通速递"}, {"hours", "50"}},
      {{"tracking_number", number}, {"carrier_name", "YTO Express"}, {"hours", "50"}}};
  i.message = {"亲，圆通速递 " + number + " 已 50 小时没有更新",
               "YTO Express " + number + ": no scan for 50h"};
  return i;
}

Result<PollOutcome> commit(Store& store, std::int64_t id, const std::vector<TrackingEvent>& events,
                           std::vector<Issue> issues, Timestamp now,
                           ParcelStage stage = ParcelStage::in_transit) {
  return store.commitPoll(id, events, "0", now,
                          [issues, stage](const Parcel&, const Timeline&, const ClaimFacts&) {
                            return Assessment{stage, issues};
                          });
}

std::string json(const NotificationTask& t) { return boost::json::serialize(taskToJson(t)); }

std::string describe(const ParcelException& e) {
  return std::to_string(e.id) + "/" + std::to_string(e.parcel_id) + "/" +
         std::string(toString(e.finding.kind)) + "/" + e.finding.detail + "/" +
         std::to_string(e.finding.since.time_since_epoch().count()) + "/" +
         std::to_string(e.finding.elapsed.count()) + "/" +
         std::to_string(e.opened_at.time_since_epoch().count()) + "/" +
         (e.resolved_at ? std::to_string(e.resolved_at->time_since_epoch().count()) : "open");
}

struct MigrateToPostgres : ::testing::Test {
  test::TempDir dir;
  std::optional<test::PgTestSchema> db;
  fs::path file = dir / "state" / "parcelwatch.db";
  std::vector<std::int64_t> ids;
  std::vector<TrackingEvent> stalledHistory = {
      ev("2024-05-01T04:00:00Z", EventKind::picked_up, "【广州市】已揽收", "广州"),
      ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "【杭州市】到达转运中心", "杭州"),
      ev("2024-05-01T12:00:00Z", EventKind::departed_hub, "【杭州市】离开转运中心", "杭州")};

  void SetUp() override {
    PW_REQUIRE_POSTGRES();
    db.emplace();
    fs::create_directories(file.parent_path());
    buildSource();
  }

  // Five parcels: one stalled (open exception with evidence, a templated task, a claim), one
  // whose exception resolved (task closed), one delivered (final, unscheduled), one with an
  // acknowledged task and a local time that is not UTC+8, one over a small event cap (dropped
  // events); outbox rows from every commit, one sink with delivered, failing and parked rows.
  void buildSource() {
    StoreOptions capped;
    capped.event_cap = 4;
    auto s = SqliteStore::open(file, capped).value();
    for (int i = 0; i < 5; ++i) {
      auto p = test::sampleParcel("YT100000000000" + std::to_string(i));
      if (i == 3) {
        p.promised_by = at("2024-05-05T00:00:00Z");
        p.phone = std::nullopt;
        p.destination.country = "SG";
      }
      ids.push_back(s->addParcel(p, at("2024-05-01T00:00:00Z")).value().id);
    }
    auto t1 = at("2024-05-04T00:00:00Z");
    // 0: stalled, evidence is two events at one time.
    std::vector<TrackingEvent> evidence = {stalledHistory[1], stalledHistory[2]};
    Issue stall =
        templatedIssue(ExceptionKind::stalled, at("2024-05-01T12:00:00Z"), "YT1000000000000");
    stall.finding.evidence = evidence;
    ASSERT_EQ(commit(*s, ids[0], stalledHistory, {stall}, t1).value().raised.size(), 1u);
    ASSERT_TRUE(s->addClaim(ids[0], "buyer says not received", t1));
    // 1: raised, then resolved (its open task is closed with it).
    ASSERT_EQ(commit(*s, ids[1], stalledHistory,
                     {issueOf(ExceptionKind::delivery_failed, at("2024-05-01T12:00:00Z"))}, t1)
                  .value()
                  .raised.size(),
              1u);
    ASSERT_EQ(commit(*s, ids[1], stalledHistory, {}, t1 + hours(2)).value().resolved.size(), 1u);
    // 2: delivered.
    auto delivered = stalledHistory;
    delivered.push_back(ev("2024-05-02T09:00:00Z", EventKind::signed_, "已签收", "杭州"));
    ASSERT_TRUE(commit(*s, ids[2], delivered, {}, t1, ParcelStage::delivered));
    // 3: an acknowledged task, then a done one; a local time carriers did not write in UTC+8.
    auto abroad = ev("2024-05-02T01:00:00Z", EventKind::in_transit, "Departed Singapore hub");
    abroad.local_time = "2024-05-02 09:00:00 SGT";
    auto raised3 = commit(*s, ids[3], {abroad},
                          {issueOf(ExceptionKind::problem, at("2024-05-02T01:00:00Z")),
                           issueOf(ExceptionKind::customs_hold, at("2024-05-02T01:00:00Z"))},
                          t1)
                       .value();
    ASSERT_EQ(raised3.raised.size(), 2u);
    ASSERT_TRUE(s->setTaskState(raised3.raised[0].id, TaskState::acked, "called the buyer", t1));
    ASSERT_TRUE(s->setTaskState(raised3.raised[1].id, TaskState::done, "cleared", t1));
    ASSERT_TRUE(s->recordQuery(ids[3], t1, 46.25));
    ASSERT_TRUE(s->setNextPoll(ids[3], t1 + hours(3)));
    ASSERT_TRUE(s->recordPollFailure(ids[4], t1, "timeout"));
    // 4: more scans than the cap keeps.
    std::vector<TrackingEvent> chatty;
    for (int h = 0; h < 7; ++h)
      chatty.push_back(ev("2024-05-01T0" + std::to_string(h) + ":00:00Z", EventKind::in_transit,
                          "运输中 " + std::to_string(h), "途中"));
    ASSERT_TRUE(commit(*s, ids[4], chatty, {}, t1));
    // Alert marks: some lines confirmed written, some not.
    auto pending = s->unalertedTasks().value();
    ASSERT_FALSE(pending.empty());
    ASSERT_TRUE(s->markAlerted(AlertMarks{{pending[0].id}, {pending[0].exception_id}, {}}, t1));
    // A sink with progress through the outbox.
    ASSERT_TRUE(s->setOutboxSinks({"ops-webhook"}));
    auto head = s->outboxHead().value();
    ASSERT_TRUE(commit(*s, ids[0], stalledHistory, {stall}, t1 + hours(1)));  // updates nothing
    ASSERT_TRUE(s->setTaskState(raised3.raised[0].id, TaskState::dismissed, "no answer", t1));
    ASSERT_TRUE(s->setTaskState(raised3.raised[1].id, TaskState::done, "cleared again", t1));
    ASSERT_TRUE(s->setTaskState(raised3.raised[0].id, TaskState::acked, "answered", t1));
    auto rows = s->outboxAfter("ops-webhook", 0, 100).value();
    ASSERT_GE(rows.size(), 3u);
    ASSERT_TRUE(s->outboxDelivered("ops-webhook", {rows[0].seq}));
    ASSERT_TRUE(s->outboxFailure("ops-webhook", rows[1].seq, {2, 1000, 5000, "HTTP 503"}));
    ASSERT_TRUE(s->outboxPark("ops-webhook", rows[2].seq, "HTTP 400"));
    ASSERT_GT(s->outboxHead().value(), head);
  }

  Result<pg::CopyReport> migrate(pg::CopyOptions options = {}) {
    return pg::copySqliteToPostgres(file, db->conninfo(), options);
  }

  std::int64_t targetRows(const std::string& table) {
    pqxx::connection c(db->conninfo());
    pqxx::read_transaction tx(c);
    return tx.exec1("SELECT count(*) FROM " + table)[0].as<std::int64_t>();
  }

  // Everything a Store shows, read through both stores.
  void expectSameThroughStores() {
    auto s = SqliteStore::open(file).value();
    auto p = PostgresStore::open(db->conninfo()).value();
    for (auto id : ids) {
      SCOPED_TRACE("parcel " + std::to_string(id));
      EXPECT_EQ(p->parcel(id).value(), s->parcel(id).value());
      auto st = s->timeline(id).value(), pt = p->timeline(id).value();
      ASSERT_EQ(pt.size(), st.size());
      for (std::size_t i = 0; i < st.size(); ++i) EXPECT_EQ(pt[i], st[i]) << "event " << i;
      auto se = s->exceptions(id).value(), pe = p->exceptions(id).value();
      ASSERT_EQ(pe.size(), se.size());
      for (std::size_t i = 0; i < se.size(); ++i) EXPECT_EQ(describe(pe[i]), describe(se[i]));
      EXPECT_EQ(p->hasClaim(id).value(), s->hasClaim(id).value());
    }
    auto stasks = s->tasks({}).value(), ptasks = p->tasks({}).value();
    ASSERT_EQ(ptasks.size(), stasks.size());
    for (std::size_t i = 0; i < stasks.size(); ++i) EXPECT_EQ(json(ptasks[i]), json(stasks[i]));
    auto su = s->unalertedRaises().value(), pu = p->unalertedRaises().value();
    ASSERT_EQ(pu.size(), su.size());
    for (std::size_t i = 0; i < su.size(); ++i) {
      EXPECT_EQ(json(pu[i].task), json(su[i].task));
      EXPECT_EQ(pu[i].exception_line, su[i].exception_line);
      EXPECT_EQ(pu[i].task_line, su[i].task_line);
    }
    EXPECT_EQ(p->unalertedResolves().value().size(), s->unalertedResolves().value().size());
    auto due = at("2024-06-01T00:00:00Z");
    auto sd = s->dueParcels(due, 100).value(), pd = p->dueParcels(due, 100).value();
    ASSERT_EQ(pd.size(), sd.size());
    for (std::size_t i = 0; i < sd.size(); ++i) {
      EXPECT_EQ(pd[i].parcel_id, sd[i].parcel_id);
      EXPECT_EQ(pd[i].next_poll_at, sd[i].next_poll_at);
      EXPECT_EQ(pd[i].quota.tokens, sd[i].quota.tokens);
      EXPECT_EQ(pd[i].quota.last_query_at, sd[i].quota.last_query_at);
      EXPECT_EQ(pd[i].last_polled_at, sd[i].last_polled_at);
    }
    auto so = s->readOutbox(0, 1000).value(), po = p->readOutbox(0, 1000).value();
    ASSERT_EQ(po.size(), so.size());
    for (std::size_t i = 0; i < so.size(); ++i) {
      EXPECT_EQ(po[i].seq, so[i].seq);
      EXPECT_EQ(po[i].event, so[i].event);
      EXPECT_EQ(po[i].payload, so[i].payload);
    }
    auto ss = s->outboxSummary().value(), ps = p->outboxSummary().value();
    ASSERT_EQ(ps.size(), 1u);
    ASSERT_EQ(ss.size(), 1u);
    EXPECT_EQ(ps[0].delivered_through, ss[0].delivered_through);
    EXPECT_EQ(ps[0].backlog, ss[0].backlog);
    EXPECT_EQ(ps[0].failing, ss[0].failing);
    EXPECT_EQ(ps[0].parked, ss[0].parked);
    auto sc = s->counts().value(), pc = p->counts().value();
    EXPECT_EQ(pc.parcels_by_stage, sc.parcels_by_stage);
    EXPECT_EQ(pc.open_exceptions_by_kind, sc.open_exceptions_by_kind);
    EXPECT_EQ(pc.tasks_by_state, sc.tasks_by_state);
    EXPECT_EQ(pc.events, sc.events);
    EXPECT_EQ(p->quickCheck().value(), "ok");
  }
};

}  // namespace

TEST_F(MigrateToPostgres, CopiesEveryTableAndReadsBackTheSame) {
  auto report = migrate().value();
  EXPECT_TRUE(report.verified());
  for (const auto& d : report.differences) ADD_FAILURE() << d;
  for (const auto& t : report.tables) {
    EXPECT_EQ(t.target, t.source) << t.table;
    EXPECT_EQ(t.copied, t.source) << t.table;
  }
  auto rowsOf = [&](const std::string& table) {
    for (const auto& t : report.tables)
      if (t.table == table) return t.source;
    return std::int64_t{-1};
  };
  EXPECT_EQ(rowsOf("parcels"), 5);
  EXPECT_GT(rowsOf("dropped_events"), 0);
  EXPECT_EQ(rowsOf("claims"), 1);
  EXPECT_EQ(rowsOf("notify_state"), 2);
  expectSameThroughStores();
}

TEST_F(MigrateToPostgres, PostgresCarriesOnWhereSqliteStopped) {
  ASSERT_TRUE(migrate().value().verified());
  auto s = SqliteStore::open(file).value();
  auto p = PostgresStore::open(db->conninfo()).value();
  // The open exception's evidence reads as the same evidence: the same finding again is no news.
  Issue stall =
      templatedIssue(ExceptionKind::stalled, at("2024-05-01T12:00:00Z"), "YT1000000000000");
  stall.finding.evidence = {stalledHistory[1], stalledHistory[2]};
  auto again = commit(*p, ids[0], stalledHistory, {stall}, at("2024-05-05T00:00:00Z")).value();
  EXPECT_TRUE(again.raised.empty());
  EXPECT_TRUE(again.updated.empty());
  EXPECT_EQ(again.new_events, 0);
  // New rows take ids after the copied ones: sequences were moved past them.
  auto maxTask = s->tasks({}).value().back().id;
  auto newParcel = p->addParcel(test::sampleParcel("YT9999999999999"), at("2024-05-05T00:00:00Z"));
  EXPECT_GT(newParcel.value().id, ids.back());
  auto raised = commit(*p, newParcel->id, stalledHistory,
                       {issueOf(ExceptionKind::stalled, at("2024-05-01T12:00:00Z"))},
                       at("2024-05-05T00:00:00Z"))
                    .value();
  ASSERT_EQ(raised.raised.size(), 1u);
  EXPECT_GT(raised.raised[0].id, maxTask);
  EXPECT_GT(p->outboxHead().value(), s->outboxHead().value());
  EXPECT_EQ(p->quickCheck().value(), "ok");
}

TEST_F(MigrateToPostgres, SecondRunAddsNothing) {
  ASSERT_TRUE(migrate().value().verified());
  auto again = migrate().value();
  EXPECT_TRUE(again.verified());
  for (const auto& t : again.tables) EXPECT_EQ(t.copied, 0) << t.table;
  expectSameThroughStores();
}

TEST_F(MigrateToPostgres, InterruptedRunResumesToTheSameResult) {
  pg::CopyOptions small;
  small.page_rows = 2;
  small.stop_after_pages = 4;  // parcels (3 pages) and the first page of events, then "killed"
  auto partial = migrate(small).value();
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(targetRows("parcels"), 5);
  EXPECT_EQ(targetRows("events"), 2);
  EXPECT_EQ(targetRows("tasks"), 0);
  // Rows lost in the middle of what was copied are found again, not only what comes after.
  {
    pqxx::connection c(db->conninfo());
    pqxx::work tx(c);
    tx.exec0("DELETE FROM events WHERE id = (SELECT min(id) FROM events)");
    tx.commit();
  }
  small.stop_after_pages = 0;
  auto resumed = migrate(small).value();
  EXPECT_TRUE(resumed.verified());
  for (const auto& d : resumed.differences) ADD_FAILURE() << d;
  expectSameThroughStores();
  auto third = migrate(small).value();
  EXPECT_TRUE(third.verified());
  for (const auto& t : third.tables) EXPECT_EQ(t.copied, 0) << t.table;
}

TEST_F(MigrateToPostgres, RefusesATargetHoldingOtherParcels) {
  {
    auto p = PostgresStore::open(db->conninfo()).value();
    ASSERT_EQ(
        p->addParcel(test::sampleParcel("SF0000000000001"), at("2024-05-01T00:00:00Z")).value().id,
        1);
  }
  auto r = migrate();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_NE(r.error().message.find("SF0000000000001"), std::string::npos) << r.error().message;
  EXPECT_EQ(targetRows("parcels"), 1);
  EXPECT_EQ(targetRows("events"), 0);
}

TEST_F(MigrateToPostgres, PasswordsNeverReachAMessage) {
  EXPECT_EQ(pg::withoutPassword("missing \"=\" after \"s3cret\" in connection info string",
                                "host=db password = s3cret dbname=pw"),
            "missing \"=\" after \"********\" in connection info string");
  EXPECT_EQ(pg::withoutPassword("bad 'it''s' p@ss", "password='p@ss' host=x"),
            "bad 'it''s' ********");
  EXPECT_EQ(pg::withoutPassword("at pa:ss and pa%3Ass", "postgresql://pw:pa%3Ass@db1/parcelwatch"),
            "at ******** and ********");
}

// The real binary: exit 0 and the counts table; refused while a daemon holds the lock; a
// password in the conninfo never printed.
TEST_F(MigrateToPostgres, DaemonBinaryCopiesAndPrintsTheCounts) {
  auto config = dir.write("pw.toml",
                          "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
                          "alert_log = \"alerts.jsonl\"\n[carriers.kuaidi100]\ncustomer = \"C\"\n"
                          "key = \"K\"\n[remedies]\nmessages = \"" +
                              std::string(PW_CONF_DIR) + "/messages.toml\"\n");
  std::vector<std::string> env = {"PW_MIGRATE_CONNINFO=" + db->conninfo()};
  auto run = [&](const std::string& conninfo) {
    test::Subprocess p({PW_DAEMON, "-c", config.string(), "--migrate-to-postgres", conninfo},
                       dir.path(), std::nullopt, env);
    auto status = p.wait(seconds(60));
    return test::RunResult{status.value_or(-1), p.out(), p.err()};
  };
  {
    // A daemon's lock on state_dir: refused, nothing copied.
    int fd = ::open((dir / "state" / "parcelwatchd.lock").c_str(), O_RDWR | O_CREAT, 0640);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    auto locked = run("env:PW_MIGRATE_CONNINFO");
    ::close(fd);
    EXPECT_EQ(locked.status, 70) << locked.err;
    EXPECT_NE(locked.err.find("stop it first"), std::string::npos) << locked.err;
  }
  auto wrong = run(db->conninfo() + " password=s3cret-XYZ port=1");
  EXPECT_EQ(wrong.status, 70) << wrong.err;
  EXPECT_EQ(wrong.err.find("s3cret-XYZ"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.out.find("s3cret-XYZ"), std::string::npos) << wrong.out;

  auto ok = run("env:PW_MIGRATE_CONNINFO");
  ASSERT_EQ(ok.status, 0) << ok.err << ok.out;
  EXPECT_NE(ok.out.find("parcels"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("verified"), std::string::npos) << ok.out;
  EXPECT_NE(ok.err.find("copy: events"), std::string::npos) << ok.err;
  std::cout << ok.out;
  auto again = run("env:PW_MIGRATE_CONNINFO");
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("0 rows copied"), std::string::npos) << again.out;
}

// A figure for the README, not a check: PW_MIGRATE_BENCH_PARCELS=20000 and
// --gtest_also_run_disabled_tests.
TEST(MigrateToPostgresBench, DISABLED_RowsPerSecond) {
  PW_REQUIRE_POSTGRES();
  test::TempDir dir;
  test::PgTestSchema db;
  const char* n = std::getenv("PW_MIGRATE_BENCH_PARCELS");
  int parcels = n ? std::atoi(n) : 20000;
  auto file = dir / "pw.db";
  {
    auto s = SqliteStore::open(file).value();
    std::vector<CommitRequest> batch;
    for (int i = 0; i < parcels; ++i) {
      auto id = s->addParcel(test::sampleParcel("YT" + std::to_string(2000000000000 + i)),
                             at("2024-05-01T00:00:00Z"))
                    .value()
                    .id;
      CommitRequest r;
      r.parcel_id = id;
      for (int h = 0; h < 6; ++h)
        r.events.push_back(ev("2024-05-01T0" + std::to_string(h) + ":00:00Z", EventKind::in_transit,
                              "【杭州市】运输中 " + std::to_string(h), "杭州"));
      r.carrier_state = "0";
      r.now = at("2024-05-04T00:00:00Z");
      std::vector<Issue> issues;
      if (i % 10 == 0)
        issues.push_back(issueOf(ExceptionKind::stalled, at("2024-05-01T05:00:00Z")));
      r.assess = [issues](const Parcel&, const Timeline&, const ClaimFacts&) {
        return Assessment{ParcelStage::in_transit, issues};
      };
      batch.push_back(std::move(r));
      if (batch.size() == 500) {
        ASSERT_TRUE(s->commitBatch(std::move(batch)));
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(s->commitBatch(std::move(batch)));
    }
  }
  auto start = steady_clock::now();
  auto report = pg::copySqliteToPostgres(file, db.conninfo()).value();
  double secs = duration<double>(steady_clock::now() - start).count();
  ASSERT_TRUE(report.verified());
  std::int64_t rows = 0;
  for (const auto& t : report.tables) rows += t.copied;
  std::printf("migrated %d parcels, %lld rows in %.2f s: %.0f rows/s\n", parcels,
              static_cast<long long>(rows), secs, static_cast<double>(rows) / secs);
  start = steady_clock::now();
  ASSERT_TRUE(pg::copySqliteToPostgres(file, db.conninfo()).value().verified());
  std::printf("second run (nothing to copy): %.2f s\n",
              duration<double>(steady_clock::now() - start).count());
}
