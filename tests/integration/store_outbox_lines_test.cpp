// The SQLite outbox keeps task lines without what the task row holds (schema 11,
// store/outbox_lines.h): every reader (readOutbox for follow, outboxAfter for the sinks, the
// export to PostgreSQL) still gets each line byte for byte as it was written, for template and
// plain-text messages; after the task's parcel is deleted; and for rows a version-10 file holds.
#include "common/time_format.h"
#include "model/alert_record.h"
#include "store/content_hash.h"
#include "store/message_text.h"
#include "store/migrations.h"
#include "store/outbox_lines.h"
#include "store/sqlite_export.h"
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <boost/json.hpp>

#include <limits>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

const std::string kNumber = "YT1234567890123";

// A plain-text message: the task row keeps the text.
Issue plainIssue(ExceptionKind kind) {
  Issue i;
  i.finding.kind = kind;
  i.finding.since = at("2024-05-01T00:00:00Z");
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "已 50 小时没有更新 \"quoted\" \\ \t tab";
  i.suggestion = {Remedy::soothe_and_wait, "等待并安抚买家"};
  i.message = {"亲，您的包裹还在路上，请耐心等待。", "Your parcel is on its way."};
  return i;
}

// A message the store keeps as templates and facts, rendered again when read.
Issue templatedIssue(ExceptionKind kind) {
  Issue i = plainIssue(kind);
  i.suggestion = {Remedy::contact_carrier, "联系快递公司"};
  i.message_source = MessageSource{
      "亲，{carrier_name} {tracking_number} 已 {hours} 小时没有更新",
      "{carrier_name} {tracking_number}: no scan for {hours}h",
      {{"tracking_number", kNumber}, {"carrier_name", "圆通速递"}, {"hours", "50"}},
      {{"tracking_number", kNumber}, {"carrier_name", "YTO Express"}, {"hours", "50"}}};
  i.message = {"亲，圆通速递 " + kNumber + " 已 50 小时没有更新",
               "YTO Express " + kNumber + ": no scan for 50h"};
  return i;
}

std::string text(const boost::json::object& line) { return boost::json::serialize(line); }

struct Row {
  std::int64_t seq;
  std::string event;
  int form;
  std::string payload;
  bool has_task_id;
};

std::vector<Row> rawRows(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT seq, event, form, payload, task_id IS NOT NULL FROM outbox "
                      "ORDER BY seq");
  std::vector<Row> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt(),
                   q.getColumn(3).getString(), q.getColumn(4).getInt() != 0});
  return out;
}

std::vector<std::string> exported(const std::filesystem::path& file) {
  auto source = SqliteExport::open(file).value();
  auto page = source->page("outbox", std::numeric_limits<std::int64_t>::min(), "", 1000).value();
  EXPECT_EQ(page.columns, (std::vector<std::string>{"seq", "at", "event", "payload"}));
  std::vector<std::string> out;
  for (const auto& row : page.rows) out.push_back(std::get<std::string>(row.at(3)));
  return out;
}

struct OutboxLines : ::testing::Test {
  test::TempDir dir;
  std::filesystem::path file = dir / "pw.db";
  std::unique_ptr<Store> store;
  std::int64_t id = 0;
  std::vector<std::string> written;  // every line as the record functions made it

  void SetUp() override {
    store = SqliteStore::open(file).value();
    ASSERT_TRUE(store->setOutboxSinks({"all"}));
    id = store->addParcel(test::sampleParcel(kNumber), at("2024-05-01T00:00:00Z")).value().id;
  }

  PollOutcome commit(std::int64_t parcel, std::vector<Issue> issues, Timestamp now) {
    return store
        ->commitPoll(parcel, {}, "0", now,
                     [issues](const Parcel&, const Timeline&, const ClaimFacts&) {
                       return Assessment{ParcelStage::in_transit, issues};
                     })
        .value();
  }

  /// Raises a templated and a plain task on `parcel`, acks the first, resolves both; records
  /// the lines as written.
  void fill(std::int64_t parcel, const std::string& number) {
    auto now = at("2024-05-04T00:00:00Z");
    auto raised = commit(
        parcel, {templatedIssue(ExceptionKind::stalled), plainIssue(ExceptionKind::proxy_signed)},
        now);
    ASSERT_EQ(raised.raised.size(), 2u);
    for (const auto& t : raised.raised) {
      written.push_back(text(exceptionRaisedRecord(t, now)));
      written.push_back(text(taskRaisedRecord(t, now)));
    }
    auto later = at("2024-05-04T01:00:00Z");
    auto acked =
        store->setTaskState(raised.raised[0].id, TaskState::acked, "打过电话 \"ok\"", later)
            .value();
    written.push_back(text(taskUpdatedRecord(acked, "打过电话 \"ok\"", later)));
    auto done = at("2024-05-05T00:00:00Z");
    auto resolved = commit(parcel, {}, done);
    ASSERT_EQ(resolved.resolved_ids.size(), 2u);
    for (std::size_t i = 0; i < resolved.resolved.size(); ++i)
      written.push_back(text(exceptionResolvedRecord(number, "yuantong", resolved.resolved_ids[i],
                                                     resolved.resolved[i], done)));
    ASSERT_EQ(resolved.closed_tasks.size(), 1u);  // the acked one stays open
    written.push_back(text(taskClosedRecord(number, "yuantong", resolved.closed_tasks[0].task_id,
                                            resolved.closed_tasks[0].kind, done)));
  }

  std::vector<std::string> followed() {
    std::vector<std::string> out;
    for (const auto& e : store->readOutbox(0, 1000).value()) out.push_back(e.payload);
    return out;
  }
  std::vector<std::string> delivered() {
    std::vector<std::string> out;
    for (const auto& r : store->outboxAfter("all", 0, 1000).value()) out.push_back(r.payload);
    return out;
  }
};

}  // namespace

TEST_F(OutboxLines, EveryReaderGetsTheLinesAsWritten) {
  fill(id, kNumber);
  ASSERT_EQ(written.size(), 8u);
  // exception_raised and task_raised per task, task_updated, two resolved, task_closed; the
  // order within a commit is the alert log's.
  EXPECT_EQ(followed(), written);
  EXPECT_EQ(delivered(), written);
  EXPECT_EQ(exported(file), written);
  // Paged reads give the same lines.
  auto firstPage = store->readOutbox(0, 3).value();
  auto rest = store->readOutbox(firstPage.back().seq, 1000).value();
  ASSERT_EQ(firstPage.size() + rest.size(), written.size());
  EXPECT_EQ(rest.front().payload, written[3]);

  // A task's lines keep neither the messages nor anything else the task row holds.
  auto rows = rawRows(file);
  ASSERT_EQ(rows.size(), written.size());
  for (const auto& r : rows) {
    EXPECT_EQ(r.payload.find("message"), std::string::npos) << r.payload;
    EXPECT_EQ(r.payload.find("\"ts\""), std::string::npos) << r.payload;
    if (r.event == "task_raised" || r.event == "task_updated" || r.event == "exception_raised") {
      EXPECT_EQ(r.form, 2) << r.payload;
      EXPECT_TRUE(r.has_task_id);
      EXPECT_LT(r.payload.size(), 100u) << r.payload;
    } else {
      EXPECT_EQ(r.form, 1) << r.payload;
      EXPECT_FALSE(r.has_task_id);
    }
  }
}

TEST_F(OutboxLines, DeletingTheParcelLeavesTheLinesWhole) {
  fill(id, kNumber);
  // Another parcel's lines, deleted by a cascade from outside the store (no pw_ functions).
  const std::string other = "YT9999999999999";
  auto second = store->addParcel(test::sampleParcel(other), at("2024-05-01T00:00:00Z")).value().id;
  fill(second, other);
  // And a third, whose exception alone goes (its task with it, by the foreign key).
  const std::string third = "YT8888888888888";
  auto last = store->addParcel(test::sampleParcel(third), at("2024-05-01T00:00:00Z")).value().id;
  fill(last, third);
  ASSERT_EQ(followed(), written);

  ASSERT_TRUE(store->removeParcel(id));  // untrack
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA foreign_keys=ON");
    db.exec("DELETE FROM parcels WHERE id=" + std::to_string(second));
    db.exec("DELETE FROM exceptions WHERE parcel_id=" + std::to_string(last));
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM tasks").getInt(), 0);
  }
  EXPECT_EQ(followed(), written);
  EXPECT_EQ(delivered(), written);
  EXPECT_EQ(exported(file), written);
  for (const auto& r : rawRows(file)) EXPECT_FALSE(r.has_task_id) << r.payload;

  // The store goes on writing and reading slim lines after the deletions.
  auto fourth = store->addParcel(test::sampleParcel("YT7777777777777"), at("2024-05-01T00:00:00Z"))
                    .value()
                    .id;
  written.clear();
  fill(fourth, "YT7777777777777");
  auto all = followed();
  ASSERT_GE(all.size(), written.size());
  EXPECT_EQ(
      std::vector<std::string>(all.end() - static_cast<std::ptrdiff_t>(written.size()), all.end()),
      written);
}

TEST_F(OutboxLines, ReadersJoinTheTaskByKeyAndDeletesFindItsLinesByIndex) {
  fill(id, kNumber);
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  auto plan = [&](const std::string& sql) {
    SQLite::Statement q(db, "EXPLAIN QUERY PLAN " + sql);
    std::string out;
    while (q.executeStep()) out += q.getColumn(3).getString() + "\n";
    return out;
  };
  std::string columns = store::kOutboxLineColumns, joins = store::kOutboxJoins;
  for (const std::string& sql :
       {"SELECT o.seq, " + columns + " FROM outbox o" + joins +
            " WHERE o.seq > 0 ORDER BY o.seq LIMIT 100",
        "SELECT o.seq, " + columns +
            " FROM notify_sinks k CROSS JOIN outbox o LEFT JOIN notify_state st ON "
            "st.sink=k.name AND st.seq=o.seq" +
            joins +
            " WHERE k.name='all' AND o.seq > max(0, k.delivered_through) AND (st.state IS NULL "
            "OR st.state='failing') ORDER BY o.seq LIMIT 100"}) {
    auto p = plan(sql);
    EXPECT_EQ(p.find("SCAN"), std::string::npos) << sql << "\n" << p;
    EXPECT_EQ(p.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << p;
    EXPECT_NE(p.find("SEARCH t USING INTEGER PRIMARY KEY"), std::string::npos) << p;
    EXPECT_NE(p.find("SEARCH p USING INTEGER PRIMARY KEY"), std::string::npos) << p;
  }
  // What the trigger runs for each deleted task.
  EXPECT_NE(plan("UPDATE outbox SET task_id = NULL WHERE task_id = 1").find("outbox_by_task"),
            std::string::npos);
}

TEST(OutboxLineForms, LinesRoundTripThroughEveryForm) {
  auto now = at("2024-05-04T00:00:00Z");
  boost::json::object plain{{"ts", formatRfc3339(now)}, {"event", "x"}, {"a", "\"\\\n 中"}};
  auto one = store::storedLine(now, "x", plain);
  EXPECT_EQ(one.form, 1);
  EXPECT_EQ(one.payload, R"({"a":"\"\\\n 中"})");
  EXPECT_EQ(store::withHead(now, "x", one.payload), text(plain));

  boost::json::object bare{{"ts", formatRfc3339(now)}, {"event", "x"}};
  auto empty = store::storedLine(now, "x", bare);
  EXPECT_EQ(empty.form, 1);
  EXPECT_EQ(store::withHead(now, "x", empty.payload), text(bare));

  // Another time than the row's, another event name, no leading ts: kept as they are.
  auto other = store::storedLine(now + seconds(1), "x", plain);
  EXPECT_EQ(other.form, 0);
  EXPECT_EQ(other.payload, text(plain));
  EXPECT_EQ(store::storedLine(now, "y", plain).form, 0);
  boost::json::object late{{"event", "x"}, {"ts", formatRfc3339(now)}};
  EXPECT_EQ(store::storedLine(now, "x", late).form, 0);

  // A task line that its row would not give back exactly is not kept as form 2.
  NotificationTask t;
  t.id = 7;
  t.tracking_number = kNumber;
  t.carrier = "yuantong";
  t.suggestion = {Remedy::soothe_and_wait, "wait"};
  t.message = {"亲", "hi"};
  t.created_at = now;
  auto line = taskRaisedRecord(t, now);
  auto slim = store::storedLine(now, "task_raised", line, &t);
  EXPECT_EQ(slim.form, 2);
  EXPECT_EQ(slim.payload, R"({"carrier":"yuantong"})");
  EXPECT_EQ(slim.task_id, 7);
  // The same fields in another order are other bytes, and so is a value that differs.
  boost::json::object reordered;
  for (auto it = line.end(); it != line.begin();) {
    --it;
    reordered[it->key()] = it->value();
  }
  EXPECT_NE(store::storedLine(now, "task_raised", reordered, &t).form, 2);
  auto otherDetail = line;
  otherDetail["detail"] = "not the task's";
  EXPECT_NE(store::storedLine(now, "task_raised", otherDetail, &t).form, 2);
  line["extra"] = 1;
  EXPECT_EQ(store::storedLine(now, "task_raised", line, &t).form, 1);
  EXPECT_EQ(store::storedLine(now, "exception_raised", exceptionRaisedRecord(t, now), &t).form, 2);
  auto closed = taskClosedRecord(kNumber, "yuantong", t.id, t.kind, now);
  EXPECT_EQ(store::storedLine(now, "task_closed", closed, &t).form, 1);

  // The writer's raise lines, built once: what storedLine keeps after its comparison, and
  // what a reader rebuilds from the row's fields and the payload.
  for (std::string_view event : {"exception_raised", "task_raised"}) {
    auto record = event == "task_raised" ? taskRaisedRecord(t, now) : exceptionRaisedRecord(t, now);
    auto compared = store::storedLine(now, event, record, &t);
    auto direct = store::storedRaiseLine(now, event, t);
    EXPECT_EQ(direct.form, 2) << event;
    EXPECT_EQ(direct.payload, compared.payload) << event;
    EXPECT_EQ(direct.task_id, compared.task_id) << event;
    EXPECT_EQ(direct.line, compared.line) << event;
    auto row = store::rowFieldsOf(t);
    if (event == "exception_raised") row.message = {};
    EXPECT_EQ(
        store::rebuildTaskLine(now, event, row, boost::json::parse(direct.payload).as_object()),
        direct.line)
        << event;
  }
  EXPECT_THROW(store::storedRaiseLine(now, "task_closed", t), std::logic_error);
}

namespace {

void sqlContentHash(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* s = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  sqlite3_result_int64(ctx, store::contentHash(std::string_view(
                                s, static_cast<size_t>(sqlite3_value_bytes(argv[0])))));
}

}  // namespace

TEST(OutboxMigration, AVersion10FileKeepsItsLinesAndWritesSlimOnes) {
  test::TempDir dir;
  auto file = dir / "v10.db";
  auto now = at("2024-05-04T00:00:00Z");
  std::vector<std::string> lines;
  {
    // Steps 1-10 as released, then rows as version 10 wrote them: the full lines.
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.createFunction("pw_hash", 1, true, nullptr, &sqlContentHash);
    for (int i = 0; i < 10; ++i) {
      const auto& step = store::migrations()[static_cast<size_t>(i)];
      if (step.run)
        step.run(db);
      else
        db.exec(std::string(step.sql));
    }
    db.exec("PRAGMA user_version=10");
    db.exec(R"sql(
INSERT INTO parcels (id, tracking_number, carrier, province, city, district, address, shipped_at,
  registered_at, stage, last_polled_at) VALUES
  (1, 'YT1234567890123', 'yuantong', '浙江省', '杭州市', '西湖区', '文三路', 1714528800, 1714521600,
   'in_transit', 1714780800);
INSERT INTO exceptions (id, parcel_id, kind, since, threshold, elapsed, detail, evidence, opened_at,
  updated_at) VALUES
  (1, 1, 'stalled', 1714564800, 172800, 180000, 'stalled', '[]', 1714780800, 1714780800),
  (2, 1, 'proxy_signed', 1714564800, 0, 0, 'signed', '[]', 1714780800, 1714780800);
INSERT INTO notify_sinks (name, delivered_through) VALUES ('all', 0);
)sql");
    Issue templated = templatedIssue(ExceptionKind::stalled);
    auto encoded = store::encodeMessage(*templated.message_source, templated.message).value();
    SQLite::Statement dict(db, "INSERT INTO dict (text) VALUES (?) RETURNING id");
    auto idOf = [&](const std::string& text) {
      dict.bind(1, text);
      dict.executeStep();
      auto v = dict.getColumn(0).getInt64();
      dict.reset();
      return v;
    };
    auto templ = idOf(encoded.templates);
    auto reason = idOf(templated.suggestion.reason);
    SQLite::Statement task(db,
                           "INSERT INTO tasks (id, exception_id, parcel_id, kind, remedy, "
                           "reason_id, template_id, facts, message_zh, message_en, detail, "
                           "created_at, updated_at) VALUES (?,?,1,?,?,?,?,?,?,?,?,?,?11)");
    NotificationTask a;
    a.id = 1;
    a.exception_id = 1;
    a.tracking_number = kNumber;
    a.carrier = "yuantong";
    a.kind = ExceptionKind::stalled;
    a.suggestion = templated.suggestion;
    a.message = templated.message;
    a.detail = "stalled";
    a.created_at = now;
    NotificationTask b = a;
    b.id = 2;
    b.exception_id = 2;
    b.kind = ExceptionKind::proxy_signed;
    b.message = {"亲，纯文本", "plain text"};
    b.detail = "signed";
    for (const auto* t : {&a, &b}) {
      task.bind(1, static_cast<int64_t>(t->id));
      task.bind(2, static_cast<int64_t>(t->exception_id));
      task.bind(3, std::string(toString(t->kind)));
      task.bind(4, std::string(toString(t->suggestion.remedy)));
      task.bind(5, static_cast<int64_t>(reason));
      if (t == &a) {
        task.bind(6, static_cast<int64_t>(templ));
        task.bind(7, encoded.facts);
        task.bind(8);
        task.bind(9);
      } else {
        task.bind(6);
        task.bind(7);
        task.bind(8, t->message.zh_cn);
        task.bind(9, t->message.en);
      }
      task.bind(10, t->detail);
      task.bind(11, static_cast<int64_t>(now.time_since_epoch().count()));
      task.exec();
      task.reset();
      lines.push_back(text(exceptionRaisedRecord(*t, now)));
      lines.push_back(text(taskRaisedRecord(*t, now)));
    }
    SQLite::Statement ins(db, "INSERT INTO outbox (at, event, payload) VALUES (?,?,?)");
    for (const auto& l : lines) {
      ins.bind(1, static_cast<int64_t>(now.time_since_epoch().count()));
      ins.bind(2, std::string(boost::json::parse(l).at("event").as_string()));
      ins.bind(3, l);
      ins.exec();
      ins.reset();
    }
  }
  auto store = SqliteStore::open(file).value();
  auto readAll = [&] {
    std::vector<std::string> out;
    for (const auto& e : store->readOutbox(0, 100).value()) out.push_back(e.payload);
    return out;
  };
  EXPECT_EQ(readAll(), lines);
  auto rows = rawRows(file);
  ASSERT_EQ(rows.size(), lines.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].form, 0);
    EXPECT_EQ(rows[i].payload, lines[i]);  // untouched by the migration
  }

  // New lines are slim beside them; all read back as written, also once the parcel is gone.
  auto later = at("2024-05-04T02:00:00Z");
  auto acked = store->setTaskState(1, TaskState::acked, "called", later).value();
  lines.push_back(text(taskUpdatedRecord(acked, "called", later)));
  EXPECT_EQ(acked.message.en, "YTO Express " + kNumber + ": no scan for 50h");
  EXPECT_EQ(rawRows(file).back().form, 2);
  EXPECT_EQ(readAll(), lines);
  std::vector<std::string> sinks;
  for (const auto& r : store->outboxAfter("all", 0, 100).value()) sinks.push_back(r.payload);
  EXPECT_EQ(sinks, lines);
  ASSERT_TRUE(store->removeParcel(1));
  EXPECT_EQ(readAll(), lines);
}

// Pruning runs on the event loop once a minute. With every row younger than the retention it
// used to read the whole outbox to find none (half a second at a million parcels); it reads
// one page of the oldest rows now, a small part of what a scan of the table costs, measured
// side by side on the same file.
TEST(SqliteOutboxPrune, FindingNothingOldEnoughReadsOnePageNotTheWholeOutbox) {
  test::TempDir dir;
  auto path = dir / "pw.db";
  auto store = SqliteStore::open(path).value();
  ASSERT_TRUE(store->setOutboxSinks({}));
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
      "INSERT INTO outbox (at, event, payload) "
      "SELECT 1800000000 + i, 'task_raised', printf('{\"n\":%d,\"pad\":\"%080d\"}', i, i) FROM n");
  const Timestamp before{Seconds(1700000000)};  // older than every row
  SQLite::Statement scan(db, "SELECT count(*) FROM outbox WHERE at < ?");
  scan.bind(1, static_cast<std::int64_t>(1700000000));
  auto timeScan = [&] {
    auto start = steady_clock::now();
    scan.reset();
    scan.executeStep();
    EXPECT_EQ(scan.getColumn(0).getInt64(), 0);
    return steady_clock::now() - start;
  };
  auto timePrune = [&] {
    auto start = steady_clock::now();
    EXPECT_EQ(store->pruneOutbox(1000, before).value(), 0);
    return steady_clock::now() - start;
  };
  timeScan();  // both warm
  timePrune();
  auto scanTook = std::min({timeScan(), timeScan(), timeScan()});
  auto pruneTook = std::min({timePrune(), timePrune(), timePrune()});
  EXPECT_LT(pruneTook * 5, scanTook)
      << duration<double, std::milli>(pruneTook).count() << " ms against a scan's "
      << duration<double, std::milli>(scanTook).count() << " ms";
  EXPECT_EQ(store->readOutbox(0, 1).value().size(), 1u);
}
