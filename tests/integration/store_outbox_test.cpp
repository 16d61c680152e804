// The SQLite outbox: rows written in the transaction of the change they
// report, per-sink progress, parking, re-queueing and pruning.
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

// Far past every event these tests commit: pruning is held back by the sinks alone.
const pw::Timestamp kRetentionOver{pw::Seconds(4000000000)};

Issue issueOf(ExceptionKind kind) {
  Issue i;
  i.finding.kind = kind;
  i.finding.since = at("2024-05-01T00:00:00Z");
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "stalled for 50h";
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

struct StoreOutbox : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  std::int64_t id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;

  Result<PollOutcome> commit(std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, {}, "0", now, [issues](const Parcel&, const Timeline&) {
      return Assessment{ParcelStage::in_transit, issues};
    });
  }
  std::vector<std::string> events(std::string_view sink = "all") {
    std::vector<std::string> out;
    for (const auto& r : store->outboxAfter(sink, 0, 1000).value()) out.push_back(r.event);
    return out;
  }
};

TEST_F(StoreOutbox, EveryAlertEventOfACommitIsInTheOutboxInAlertLogOrder) {
  ASSERT_TRUE(store->setOutboxSinks({"all"}));
  auto raised = commit({issueOf(ExceptionKind::stalled)}).value();
  ASSERT_EQ(raised.raised.size(), 1u);
  EXPECT_EQ(events(), (std::vector<std::string>{"exception_raised", "task_raised"}));
  auto rows = store->outboxAfter("all", 0, 10).value();
  auto line = boost::json::parse(rows[1].payload).as_object();
  EXPECT_EQ(line.at("tracking_number").as_string(), test::sampleParcel().tracking_number);
  EXPECT_EQ(line.at("task_id").as_int64(), raised.raised[0].id);
  EXPECT_LT(rows[0].seq, rows[1].seq);

  ASSERT_TRUE(store->setTaskState(raised.raised[0].id, TaskState::acked, "called the buyer",
                                  at("2024-05-04T01:00:00Z")));
  ASSERT_TRUE(commit({}, at("2024-05-05T00:00:00Z")));  // resolves; the acked task stays open
  EXPECT_EQ(events(), (std::vector<std::string>{"exception_raised", "task_raised", "task_updated",
                                                "exception_resolved"}));
  commit({issueOf(ExceptionKind::problem)}, at("2024-05-06T00:00:00Z")).value();
  ASSERT_TRUE(commit({}, at("2024-05-07T00:00:00Z")));  // resolves and closes the untouched task
  auto all = events();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[6], "exception_resolved");
  EXPECT_EQ(all[7], "task_closed");
}

TEST_F(StoreOutbox, ARequestRolledBackLeavesNoOutboxRow) {
  ASSERT_TRUE(store->setOutboxSinks({"all"}));
  auto other = store->addParcel(test::sampleParcel("YT9999999999999"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  std::vector<CommitRequest> batch(2);
  batch[0].parcel_id = id;
  batch[0].now = at("2024-05-04T00:00:00Z");
  batch[0].assess = [](const Parcel&, const Timeline&) {
    return Assessment{ParcelStage::in_transit, {issueOf(ExceptionKind::stalled)}};
  };
  batch[1] = batch[0];
  batch[1].parcel_id = other;
  batch[1].assess = [](const Parcel&, const Timeline&) -> Assessment {
    throw std::runtime_error("detector failed");
  };
  auto r = store->commitBatch(batch).value();
  EXPECT_TRUE(r[0]);
  EXPECT_FALSE(r[1]);
  EXPECT_EQ(events().size(), 2u);  // the first request's two, nothing of the second
}

TEST_F(StoreOutbox, ANewSinkStartsAtTheEndAndProgressSurvivesReopening) {
  commit({issueOf(ExceptionKind::stalled)}).value();  // before any sink: nobody's
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  EXPECT_TRUE(events("a").empty());
  commit({}, at("2024-05-05T00:00:00Z")).value();  // resolved + closed
  auto rows = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(store->outboxDelivered("a", {rows[0].seq}));
  store.reset();
  store = SqliteStore::open(dir / "pw.db").value();
  auto left = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].seq, rows[1].seq);
  auto sum = store->outboxSummary().value();
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].delivered_through, rows[0].seq);
  EXPECT_EQ(sum[0].backlog, 1);
}

TEST_F(StoreOutbox, FailuresAreKeptParkedEventsLeaveTheFlowUntilRequeued) {
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  commit({issueOf(ExceptionKind::stalled)}).value();
  auto rows = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(store->outboxFailure("a", rows[0].seq, {3, 1000, 5000, "HTTP 503"}));
  auto again = store->outboxAfter("a", 0, 10).value();
  EXPECT_EQ(again[0].failures, 3);
  EXPECT_EQ(again[0].first_failure_ms, 1000);
  EXPECT_EQ(again[0].retry_at_ms, 5000);
  EXPECT_EQ(again[0].error, "HTTP 503");

  ASSERT_TRUE(store->outboxPark("a", rows[0].seq, "HTTP 400"));
  ASSERT_TRUE(store->outboxDelivered("a", {rows[1].seq}));
  EXPECT_TRUE(store->outboxAfter("a", 0, 10).value().empty());
  auto parked = store->outboxParked("", 10).value();
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].error, "HTTP 400");
  // A parked event holds the sink's progress back, so pruning keeps it.
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 0);
  EXPECT_EQ(store->outboxRequeue("a").value(), 1);
  auto requeued = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(requeued.size(), 1u);
  EXPECT_EQ(requeued[0].failures, 0);  // a fresh schedule
  ASSERT_TRUE(store->outboxDelivered("a", {rows[0].seq}));
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 2);
  EXPECT_EQ(store->outboxHead().value(), rows[1].seq);  // seq is never handed out again
}

TEST_F(StoreOutbox, PruningWaitsForTheSlowestSinkAndARemovedSinkHoldsNothingBack) {
  ASSERT_TRUE(store->setOutboxSinks({"fast", "slow"}));
  commit({issueOf(ExceptionKind::stalled)}).value();
  auto rows = store->outboxAfter("fast", 0, 10).value();
  ASSERT_TRUE(store->outboxDelivered("fast", {rows[0].seq, rows[1].seq}));
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 0);
  ASSERT_TRUE(store->outboxPark("slow", rows[0].seq, "HTTP 400"));
  ASSERT_TRUE(store->setOutboxSinks({"fast"}));  // slow removed from the configuration
  EXPECT_TRUE(store->outboxParked("", 10).value().empty());
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 2);
  // With no sink at all, nobody wants the rows.
  ASSERT_TRUE(store->setOutboxSinks({}));
  commit({}, at("2024-05-05T00:00:00Z")).value();
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 2);
}

}  // namespace
