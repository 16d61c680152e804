// The outbox's contract on every backend (part of the store contract suite; the PostgreSQL
// instances skip without a server): rows written in the transaction of the change they report,
// in alert-log order; per-sink progress, parking, re-queueing; pruning held back by the sinks
// and by the retention time; the head surviving pruning; readOutbox in commit order.
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"
#ifdef PW_HAVE_POSTGRES
#include "store/postgres/pg_store.h"
#include "support/pg_test_schema.h"
#endif

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

// Far past every event these tests commit: pruning is held back by the sinks alone.
const Timestamp kRetentionOver{Seconds(4000000000)};

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

struct StoreOutboxContract : ::testing::TestWithParam<std::string> {
  test::TempDir dir;
#ifdef PW_HAVE_POSTGRES
  std::optional<test::PgTestSchema> pg;
#endif
  std::unique_ptr<Store> store;
  std::int64_t id = 0;

  void SetUp() override {
#ifdef PW_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      PW_REQUIRE_POSTGRES();
      pg.emplace();
    }
#endif
    reopen();
    id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  }

  /// A new connection to the same data.
  void reopen() {
    store.reset();
#ifdef PW_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      store = PostgresStore::open(pg->conninfo()).value();
      return;
    }
#endif
    store = SqliteStore::open(dir / "pw.db").value();
  }

  Result<PollOutcome> commit(std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, {}, "0", now,
                             [issues](const Parcel&, const Timeline&, const ClaimFacts&) {
                               return Assessment{ParcelStage::in_transit, issues};
                             });
  }
  std::vector<std::string> events(std::string_view sink = "all") {
    std::vector<std::string> out;
    for (const auto& r : store->outboxAfter(sink, 0, 1000).value()) out.push_back(r.event);
    return out;
  }
  std::vector<std::int64_t> seqs(std::string_view sink, std::int64_t after = 0) {
    std::vector<std::int64_t> out;
    for (const auto& r : store->outboxAfter(sink, after, 1000).value()) out.push_back(r.seq);
    return out;
  }
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, StoreOutboxContract,
                         ::testing::Values("sqlite"
#ifdef PW_HAVE_POSTGRES
                                           ,
                                           "postgres"
#endif
                                           ),
                         [](const auto& info) { return info.param; });

TEST_P(StoreOutboxContract, EveryAlertEventOfACommitIsInTheOutboxInAlertLogOrder) {
  ASSERT_TRUE(store->setOutboxSinks({"all"}));
  auto raised = commit({issueOf(ExceptionKind::stalled)}).value();
  ASSERT_EQ(raised.raised.size(), 1u);
  EXPECT_EQ(events(), (std::vector<std::string>{"exception_raised", "task_raised"}));
  auto rows = store->outboxAfter("all", 0, 10).value();
  auto line = boost::json::parse(rows[1].payload).as_object();
  EXPECT_EQ(line.at("event").as_string(), "task_raised");
  EXPECT_EQ(line.at("tracking_number").as_string(), test::sampleParcel().tracking_number);
  EXPECT_EQ(line.at("task_id").as_int64(), raised.raised[0].id);
  EXPECT_EQ(rows[0].at, at("2024-05-04T00:00:00Z"));
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

  // readOutbox (what follow streams) has the same rows in the same order, payloads included.
  auto sinkRows = store->outboxAfter("all", 0, 1000).value();
  auto read = store->readOutbox(0, 1000).value();
  ASSERT_EQ(read.size(), sinkRows.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].seq, sinkRows[i].seq);
    EXPECT_EQ(read[i].event, sinkRows[i].event);
    EXPECT_EQ(read[i].at, sinkRows[i].at);
    EXPECT_EQ(boost::json::parse(read[i].payload), boost::json::parse(sinkRows[i].payload));
    if (i > 0) {
      EXPECT_LT(read[i - 1].seq, read[i].seq);
    }
  }
  EXPECT_EQ(store->outboxHead().value(), read.back().seq);
}

TEST_P(StoreOutboxContract, ReadOutboxPagesInCommitOrder) {
  EXPECT_EQ(store->outboxHead().value(), 0);
  EXPECT_TRUE(store->readOutbox(0, 10).value().empty());
  commit({issueOf(ExceptionKind::stalled)}).value();
  commit({}, at("2024-05-05T00:00:00Z")).value();
  auto all = store->readOutbox(0, 10).value();
  ASSERT_EQ(all.size(), 4u);
  auto page = store->readOutbox(all[0].seq, 2).value();
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, all[1].seq);
  EXPECT_EQ(page[1].seq, all[2].seq);
  EXPECT_EQ(page[1].event, "exception_resolved");
  EXPECT_TRUE(store->readOutbox(all[3].seq, 10).value().empty());
  EXPECT_EQ(store->outboxHead().value(), all[3].seq);
}

TEST_P(StoreOutboxContract, ARequestRolledBackLeavesNoOutboxRow) {
  ASSERT_TRUE(store->setOutboxSinks({"all"}));
  auto other = store->addParcel(test::sampleParcel("YT9999999999999"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  std::vector<CommitRequest> batch(2);
  batch[0].parcel_id = id;
  batch[0].now = at("2024-05-04T00:00:00Z");
  batch[0].assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {issueOf(ExceptionKind::stalled)}};
  };
  batch[1] = batch[0];
  batch[1].parcel_id = other;
  batch[1].assess = [](const Parcel&, const Timeline&, const ClaimFacts&) -> Assessment {
    throw std::runtime_error("detector failed");
  };
  auto r = store->commitBatch(batch).value();
  EXPECT_TRUE(r[0]);
  EXPECT_FALSE(r[1]);
  EXPECT_EQ(events().size(), 2u);  // the first request's two, nothing of the second
  EXPECT_EQ(store->readOutbox(0, 10).value().size(), 2u);
}

TEST_P(StoreOutboxContract, ANewSinkStartsAtTheEndAndProgressSurvivesReopening) {
  commit({issueOf(ExceptionKind::stalled)}).value();  // before any sink: nobody's
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  EXPECT_TRUE(events("a").empty());
  commit({}, at("2024-05-05T00:00:00Z")).value();  // resolved + closed
  auto rows = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(store->outboxDelivered("a", {rows[0].seq}));
  reopen();
  auto left = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].seq, rows[1].seq);
  auto sum = store->outboxSummary().value();
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].sink, "a");
  EXPECT_EQ(sum[0].delivered_through, rows[0].seq);
  EXPECT_EQ(sum[0].backlog, 1);
  // Naming the sink again keeps its progress.
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  EXPECT_EQ(store->outboxSummary().value().at(0).delivered_through, rows[0].seq);
}

TEST_P(StoreOutboxContract, ProgressMovesOnlyOverAnUnbrokenRunOfFinishedEvents) {
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  commit({issueOf(ExceptionKind::stalled)}).value();
  commit({}, at("2024-05-05T00:00:00Z")).value();
  auto s = seqs("a");
  ASSERT_EQ(s.size(), 4u);
  // Finished out of order: the first is still owed, so nothing moves.
  ASSERT_TRUE(store->outboxDelivered("a", {s[1], s[2]}));
  EXPECT_EQ(seqs("a"), (std::vector<std::int64_t>{s[0], s[3]}));
  EXPECT_EQ(seqs("a", s[0]), std::vector<std::int64_t>{s[3]});  // afterSeq skips ahead
  EXPECT_EQ(store->outboxSummary().value().at(0).delivered_through, 0);
  EXPECT_EQ(store->outboxSummary().value().at(0).backlog, 2);
  ASSERT_TRUE(store->outboxDelivered("a", {s[0]}));
  EXPECT_EQ(store->outboxSummary().value().at(0).delivered_through, s[2]);
  ASSERT_TRUE(store->outboxDelivered("a", {s[3]}));
  auto sum = store->outboxSummary().value().at(0);
  EXPECT_EQ(sum.delivered_through, s[3]);
  EXPECT_EQ(sum.backlog, 0);
  EXPECT_TRUE(seqs("a").empty());
}

TEST_P(StoreOutboxContract, FailuresAreKeptParkedEventsLeaveTheFlowUntilRequeued) {
  ASSERT_TRUE(store->setOutboxSinks({"a", "b"}));
  commit({issueOf(ExceptionKind::stalled)}).value();
  auto rows = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(store->outboxFailure("a", rows[0].seq, {3, 1000, 5000, "HTTP 503"}));
  auto again = store->outboxAfter("a", 0, 10).value();
  EXPECT_EQ(again[0].failures, 3);
  EXPECT_EQ(again[0].first_failure_ms, 1000);
  EXPECT_EQ(again[0].retry_at_ms, 5000);
  EXPECT_EQ(again[0].error, "HTTP 503");
  EXPECT_EQ(store->outboxAfter("b", 0, 10).value().at(0).failures, 0);  // per sink
  ASSERT_TRUE(store->outboxFailure("a", rows[0].seq, {4, 1000, 9000, "HTTP 502"}));
  EXPECT_EQ(store->outboxAfter("a", 0, 10).value().at(0).failures, 4);
  auto failing = store->outboxSummary().value();
  ASSERT_EQ(failing.size(), 2u);
  EXPECT_EQ(failing[0].failing, 1);
  EXPECT_EQ(failing[1].failing, 0);

  ASSERT_TRUE(store->outboxPark("a", rows[0].seq, "HTTP 400"));
  ASSERT_TRUE(store->outboxDelivered("a", {rows[1].seq}));
  EXPECT_TRUE(store->outboxAfter("a", 0, 10).value().empty());
  ASSERT_TRUE(store->outboxPark("b", rows[1].seq, "HTTP 401"));
  auto parked = store->outboxParked("", 10).value();
  ASSERT_EQ(parked.size(), 2u);
  EXPECT_EQ(parked[0].sink, "a");
  EXPECT_EQ(parked[0].seq, rows[0].seq);
  EXPECT_EQ(parked[0].event, "exception_raised");
  EXPECT_EQ(parked[0].error, "HTTP 400");
  auto parkedB = store->outboxParked("b", 10).value();
  ASSERT_EQ(parkedB.size(), 1u);
  EXPECT_EQ(parkedB[0].error, "HTTP 401");
  auto sum = store->outboxSummary().value();
  EXPECT_EQ(sum[0].parked, 1);
  EXPECT_EQ(sum[0].failing, 0);
  EXPECT_EQ(sum[0].backlog, 0);
  // A parked event holds the sink's progress back, so pruning keeps it.
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 0);
  EXPECT_EQ(store->outboxRequeue("a").value(), 1);
  EXPECT_EQ(store->outboxRequeue("a").value(), 0);
  auto requeued = store->outboxAfter("a", 0, 10).value();
  ASSERT_EQ(requeued.size(), 1u);
  EXPECT_EQ(requeued[0].failures, 0);  // a fresh schedule
  ASSERT_TRUE(store->outboxDelivered("a", {rows[0].seq}));
  ASSERT_EQ(store->outboxRequeue("b").value(), 1);
  ASSERT_TRUE(store->outboxDelivered("b", {rows[0].seq, rows[1].seq}));
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 2);
  EXPECT_TRUE(store->readOutbox(0, 10).value().empty());
  EXPECT_EQ(store->outboxHead().value(), rows[1].seq);  // seq is never handed out again
  reopen();
  EXPECT_EQ(store->outboxHead().value(), rows[1].seq);
  commit({}, at("2024-05-05T00:00:00Z")).value();
  EXPECT_GT(store->readOutbox(0, 10).value().at(0).seq, rows[1].seq);
}

TEST_P(StoreOutboxContract, PruningWaitsForTheSlowestSinkAndARemovedSinkHoldsNothingBack) {
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
  EXPECT_TRUE(store->outboxSummary().value().empty());
  commit({}, at("2024-05-05T00:00:00Z")).value();
  EXPECT_EQ(store->pruneOutbox(100, kRetentionOver).value(), 2);
}

TEST_P(StoreOutboxContract, PruningKeepsRowsYoungerThanTheRetentionAndStopsAtTheLimit) {
  ASSERT_TRUE(store->setOutboxSinks({"a"}));
  commit({issueOf(ExceptionKind::stalled)}, at("2024-05-04T00:00:00Z")).value();  // 2 rows
  commit({}, at("2024-05-05T00:00:00Z")).value();                                 // 2 rows
  commit({issueOf(ExceptionKind::problem)}, at("2024-05-06T00:00:00Z")).value();  // 2 rows
  auto s = seqs("a");
  ASSERT_EQ(s.size(), 6u);
  ASSERT_TRUE(store->outboxDelivered("a", s));
  // Every sink is done with them all; only the time keeps the younger ones.
  EXPECT_EQ(store->pruneOutbox(100, at("2024-05-04T00:00:00Z")).value(), 0);  // not before
  EXPECT_EQ(store->pruneOutbox(1, at("2024-05-05T00:00:00Z")).value(), 1);    // the limit
  EXPECT_EQ(store->pruneOutbox(100, at("2024-05-05T00:00:00Z")).value(), 1);
  auto kept = store->readOutbox(0, 10).value();
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0].seq, s[2]);  // the oldest go first
  EXPECT_EQ(store->pruneOutbox(100, at("2024-05-06T00:00:01Z")).value(), 4);
  EXPECT_EQ(store->outboxHead().value(), s[5]);
}

// Pruning looks at the oldest `limit` rows only, so its cost stays one page however many
// rows are younger than the retention: a row left old enough behind a younger one (a clock
// set back) goes once the younger one is old enough too.
TEST_P(StoreOutboxContract, PruningLooksAtTheOldestRowsOnlyAndNoFurther) {
  ASSERT_TRUE(store->setOutboxSinks({}));
  commit({issueOf(ExceptionKind::stalled)}, at("2024-05-06T00:00:00Z")).value();  // 2 rows
  commit({}, at("2024-05-04T00:00:00Z")).value();  // 2 rows, after a clock set back
  EXPECT_EQ(store->pruneOutbox(2, at("2024-05-05T00:00:00Z")).value(), 0);
  EXPECT_EQ(store->readOutbox(0, 10).value().size(), 4u);
  EXPECT_EQ(store->pruneOutbox(4, at("2024-05-05T00:00:00Z")).value(), 2);
  EXPECT_EQ(store->pruneOutbox(2, at("2024-05-06T00:00:01Z")).value(), 2);
  EXPECT_TRUE(store->readOutbox(0, 10).value().empty());
}
