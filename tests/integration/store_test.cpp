#include "store/store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

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
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 7);
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
