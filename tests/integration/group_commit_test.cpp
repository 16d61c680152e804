// The group commit on a real SQLite file: results queued in one turn of the
// loop share a transaction, nobody hears of a result before its transaction
// ended, and a flush takes a bounded batch.
#include "polling/group_commit.h"
#include "store/sqlite_store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

namespace pw {
namespace {

CommitRequest requestFor(std::int64_t parcelId, int event) {
  CommitRequest r;
  r.parcel_id = parcelId;
  r.events = {test::hubScan(event)};
  r.carrier_state = "0";
  r.now = Timestamp(Seconds(1714600000));
  r.assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {}};
  };
  return r;
}

// A result that raises a stalled exception and its task.
CommitRequest raisingRequest(std::int64_t parcelId) {
  CommitRequest r = requestFor(parcelId, 1);
  r.assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    Issue i;
    i.finding.kind = ExceptionKind::stalled;
    i.finding.since = Timestamp(Seconds(1714500000));
    i.finding.threshold = std::chrono::hours(48);
    i.finding.elapsed = std::chrono::hours(50);
    i.finding.detail = "stalled";
    i.suggestion = {Remedy::soothe_and_wait, "wait"};
    i.message = {"亲", "hi"};
    return Assessment{ParcelStage::in_transit, {i}};
  };
  return r;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  std::vector<std::int64_t> addParcels(int n) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i)
      ids.push_back(store->addParcel(test::sampleParcel("YT88" + std::to_string(100000 + i)), now)
                        .value()
                        .id);
    return ids;
  }
  // When each result was told (the spacing tests).
  std::vector<std::chrono::steady_clock::time_point> toldAt;
  GroupCommit::Done recordTold() {
    return [this](Result<PollOutcome> r) {
      EXPECT_TRUE(r);
      toldAt.push_back(std::chrono::steady_clock::now());
    };
  }
  // A first batch, which goes at once, then one result close behind it.
  void firstThenOneBehind(GroupCommit& group, const std::vector<std::int64_t>& ids) {
    group.submit(requestFor(ids[0], 1), recordTold());
    while (toldAt.empty()) io.run_one();
    io.restart();  // it ran out of work
    group.submit(requestFor(ids[1], 1), recordTold());
  }
  test::TempDir dir;
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  boost::asio::io_context io;
  Timestamp now = Timestamp(Seconds(1714521600));
};

TEST_F(GroupCommitTest, ResultsReadyTogetherShareOneTransactionAndAreToldAfterIt) {
  auto ids = addParcels(3);
  GroupCommit group(io, *store);
  std::vector<std::size_t> newEvents;
  for (auto id : ids)
    group.submit(requestFor(id, 1), [&](Result<PollOutcome> r) {
      ASSERT_TRUE(r) << r.error().message;
      newEvents.push_back(r->new_events);
      // Told only after the commit: what it reports is already stored.
      EXPECT_EQ(store->timeline(ids[newEvents.size() - 1]).value().size(), 1u);
    });
  EXPECT_TRUE(newEvents.empty()) << "nothing is told before the loop runs the flush";
  EXPECT_EQ(group.pending(), 3u);
  io.run();
  EXPECT_EQ(newEvents, (std::vector<std::size_t>{1, 1, 1}));
  EXPECT_EQ(group.transactions(), 1u);
  EXPECT_EQ(group.committed(), 3u);
}

TEST_F(GroupCommitTest, AFlushTakesABoundedBatchAndTheRestFollows) {
  auto ids = addParcels(static_cast<int>(GroupCommit::kMaxBatch) + 6);
  GroupCommit group(io, *store);
  std::size_t told = 0;
  for (auto id : ids)
    group.submit(requestFor(id, 1), [&](Result<PollOutcome> r) {
      EXPECT_TRUE(r);
      ++told;
    });
  io.run_one();
  EXPECT_EQ(told, GroupCommit::kMaxBatch);
  EXPECT_EQ(group.pending(), 6u);
  io.run();
  EXPECT_EQ(told, ids.size());
  EXPECT_EQ(group.transactions(), 2u);
}

TEST_F(GroupCommitTest, ResultsArrivingOverTurnsThatEachBringMoreShareOneTransaction) {
  auto ids = addParcels(3);
  GroupCommit group(io, *store);
  std::size_t told = 0;
  auto done = [&](Result<PollOutcome> r) {
    EXPECT_TRUE(r);
    ++told;
  };
  // As answers reach the loop: one per turn, each turn after the last.
  boost::asio::post(io, [&] {
    group.submit(requestFor(ids[1], 1), done);
    boost::asio::post(io, [&] { group.submit(requestFor(ids[2], 1), done); });
  });
  group.submit(requestFor(ids[0], 1), done);
  io.run();
  EXPECT_EQ(told, 3u);
  EXPECT_EQ(group.transactions(), 1u);
}

TEST_F(GroupCommitTest, ABatchWaitsOnlyABoundedNumberOfTurns) {
  const int n = GroupCommit::kMaxGatherTurns * 3;
  auto ids = addParcels(n);
  GroupCommit group(io, *store);
  std::size_t told = 0;
  std::size_t inFirstTransaction = 0;
  // A result in every turn, never a quiet one: each turn's producer is queued
  // before the batch's next look, so every look sees one more. Commits still
  // happen.
  std::function<void(int)> next = [&](int i) {
    if (i == n) return;
    boost::asio::post(io, [&, i] { next(i + 1); });
    group.submit(requestFor(ids[static_cast<std::size_t>(i)], 1), [&](Result<PollOutcome> r) {
      EXPECT_TRUE(r);
      ++told;
      if (group.transactions() == 1) ++inFirstTransaction;
    });
  };
  next(0);
  io.run();
  EXPECT_EQ(told, static_cast<std::size_t>(n));
  EXPECT_GT(inFirstTransaction, 2u);  // it gathered over turns, not only the first
  EXPECT_LE(inFirstTransaction, static_cast<std::size_t>(GroupCommit::kMaxGatherTurns) + 1);
  EXPECT_GE(group.transactions(), 3u);
}

TEST_F(GroupCommitTest, TheAfterBatchHookRunsOnceAfterTheContinuations) {
  auto ids = addParcels(3);
  std::vector<std::string> seen;
  GroupCommit group(io, *store, [&] { seen.push_back("batch"); });
  for (auto id : ids)
    group.submit(requestFor(id, 1), [&](Result<PollOutcome>) { seen.push_back("result"); });
  io.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"result", "result", "result", "batch"}));
}

TEST_F(GroupCommitTest, OneBadResultFailsAloneAndTheOthersCommit) {
  auto ids = addParcels(2);
  GroupCommit group(io, *store);
  std::vector<bool> ok;
  group.submit(requestFor(ids[0], 1), [&](Result<PollOutcome> r) { ok.push_back(bool(r)); });
  group.submit(requestFor(987654, 1), [&](Result<PollOutcome> r) { ok.push_back(bool(r)); });
  group.submit(requestFor(ids[1], 1), [&](Result<PollOutcome> r) { ok.push_back(bool(r)); });
  io.run();
  EXPECT_EQ(ok, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(store->timeline(ids[1]).value().size(), 1u);
}

TEST_F(GroupCommitTest, AFlushPostedBeforeTheGroupIsGoneDoesNothing) {
  auto ids = addParcels(1);
  bool told = false;
  {
    GroupCommit group(io, *store);
    group.submit(requestFor(ids[0], 1), [&](Result<PollOutcome>) { told = true; });
  }
  io.run();
  EXPECT_FALSE(told);
  EXPECT_TRUE(store->timeline(ids[0]).value().empty());
}

// With a writer (another connection), a batch commits on the writer's
// thread: the loop hears of each result after its commit, and what arrives
// while a batch is out forms the next, in the order it came.
TEST_F(GroupCommitTest, WithAWriterABatchCommitsOffTheLoopAndWhatArrivesMeanwhileFollows) {
  auto ids = addParcels(4);
  GroupCommit group(io, *store, {}, store->openWriter().value());
  ASSERT_TRUE(group.hasWriter());
  const auto loop = std::this_thread::get_id();
  std::promise<void> release;
  auto held = release.get_future().share();
  std::atomic<bool> committedOnLoop = false;
  auto on = [&](std::int64_t id, bool hold) {
    CommitRequest r = requestFor(id, 1);
    r.assess = [&, held, hold](const Parcel&, const Timeline&, const ClaimFacts&) {
      if (std::this_thread::get_id() == loop) committedOnLoop = true;
      if (hold) held.wait();
      return Assessment{ParcelStage::in_transit, {}};
    };
    return r;
  };
  std::vector<std::int64_t> told;
  auto done = [&](std::int64_t id) {
    return [&, id](Result<PollOutcome> r) {
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(store->timeline(id).value().size(), 1u) << "told only after its commit";
      told.push_back(id);
    };
  };
  group.submit(on(ids[0], true), done(ids[0]));
  // The first batch goes out and waits on the writer's thread; the loop goes on.
  while (group.pending() > 0) io.run_one();
  for (std::size_t i = 1; i < ids.size(); ++i) group.submit(on(ids[i], false), done(ids[i]));
  io.poll();
  EXPECT_TRUE(told.empty());
  EXPECT_EQ(group.pending(), ids.size() - 1) << "no second batch while one is out";
  release.set_value();
  io.run();
  EXPECT_EQ(told, ids);
  EXPECT_FALSE(committedOnLoop);
  EXPECT_EQ(group.transactions(), 2u);
  EXPECT_EQ(group.committed(), ids.size());
}

// With a writer, a small batch close behind the last one waits for more: until
// it is full, or until the spacing since the last ends. The first goes at once.
TEST_F(GroupCommitTest, WithAWriterASmallBatchCloseBehindTheLastWaitsUntilItIsFull) {
  using namespace std::chrono_literals;
  auto ids = addParcels(2 + static_cast<int>(GroupCommit::kFullBatch));
  GroupCommit group(io, *store, {}, store->openWriter().value(), 3s);
  auto start = std::chrono::steady_clock::now();
  firstThenOneBehind(group, ids);
  EXPECT_LT(toldAt[0] - start, 2s) << "the first batch waits for nothing";
  io.run_for(200ms);
  EXPECT_EQ(toldAt.size(), 1u) << "one result close behind the last batch waits";
  EXPECT_EQ(group.pending(), 1u);
  for (std::size_t i = 2; i < ids.size(); ++i) group.submit(requestFor(ids[i], 1), recordTold());
  while (toldAt.size() < ids.size()) io.run_one();
  EXPECT_LT(toldAt.back() - start, 2500ms) << "a full batch goes at once";
  EXPECT_EQ(group.transactions(), 2u);
}

TEST_F(GroupCommitTest, WithAWriterASmallBatchGoesWhenTheSpacingEnds) {
  using namespace std::chrono_literals;
  auto ids = addParcels(2);
  GroupCommit group(io, *store, {}, store->openWriter().value(), 300ms);
  auto start = std::chrono::steady_clock::now();
  firstThenOneBehind(group, ids);
  while (toldAt.size() < 2) io.run_one();
  EXPECT_GE(toldAt[1] - start, 300ms) << "it waited for the spacing";
  EXPECT_EQ(group.transactions(), 2u);
  EXPECT_EQ(store->timeline(ids[1]).value().size(), 1u);
  EXPECT_TRUE(group.idle());
}

// A result someone waits on (a push's sender) never waits for the spacing, and
// takes a batch that was waiting with it.
TEST_F(GroupCommitTest, WithAWriterAnAwaitedResultGoesAtOnceWithWhatWasWaiting) {
  using namespace std::chrono_literals;
  auto ids = addParcels(3);
  GroupCommit group(io, *store, {}, store->openWriter().value(), 3s);
  auto start = std::chrono::steady_clock::now();
  firstThenOneBehind(group, ids);
  io.run_for(100ms);
  EXPECT_EQ(toldAt.size(), 1u) << "a result nobody waits on waits for the spacing";
  group.submit(requestFor(ids[2], 1), recordTold(), GroupCommit::kAwaited);
  while (toldAt.size() < 3) io.run_one();
  EXPECT_LT(toldAt.back() - start, 2s);
  EXPECT_EQ(group.transactions(), 2u);
}

// Other writes (a reassessment's pages) run on the writer's
// connection too, taking turns with the batches; without a writer, on the
// loop's.
TEST_F(GroupCommitTest, WriteJobsTakeTurnsWithBatchesOnTheWritersConnection) {
  for (bool withWriter : {true, false}) {
    auto ids = addParcels(2);
    GroupCommit group(io, *store, {}, withWriter ? store->openWriter().value() : nullptr);
    std::vector<std::string> seen;
    Store* ranOn = nullptr;
    std::thread::id ranBy;
    auto result = [&](Result<PollOutcome> r) {
      EXPECT_TRUE(r);
      seen.push_back("result");
    };
    group.submit(requestFor(ids[0], 1), result);
    group.write(
        [&](Store& s) {
          ranOn = &s;
          ranBy = std::this_thread::get_id();
        },
        [&] { seen.push_back("job"); });
    group.submit(requestFor(ids[1], 1), result);
    io.restart();
    io.run();
    EXPECT_EQ(seen, (std::vector<std::string>{"result", "result", "job"}));
    EXPECT_EQ(ranOn == store.get(), !withWriter);
    EXPECT_EQ(ranBy == std::this_thread::get_id(), !withWriter);
    EXPECT_EQ(group.transactions(), 1u);
    ids.clear();
  }
}

// A stop waits for what is still queued or out on the writer: the alert
// marks an after-batch hook hands over are written before the loop ends.
TEST_F(GroupCommitTest, WhenIdleWaitsForTheResultsAndTheWritesTheyLeadTo) {
  auto ids = addParcels(2);
  std::vector<std::string> seen;
  GroupCommit* self = nullptr;
  GroupCommit group(
      io, *store, [&] { self->write([](Store&) {}, [&] { seen.push_back("marks"); }); },
      store->openWriter().value());
  self = &group;
  for (auto id : ids)
    group.submit(requestFor(id, 1), [&](Result<PollOutcome>) { seen.push_back("result"); });
  group.whenIdle([&] { seen.push_back("idle"); });
  io.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"result", "result", "marks", "idle"}));
  seen.clear();
  group.whenIdle([&] { seen.push_back("idle"); });  // nothing out: a turn later
  EXPECT_TRUE(seen.empty());
  io.restart();
  io.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"idle"}));
}

// Alert marks are written on the writer's connection: with the next batch
// when one waits, alone when none does, and a stop waits for them. The loop's
// connection writes nothing (its write would cost the writer its page cache).
TEST_F(GroupCommitTest, AlertMarksAreWrittenByTheWriterBeforeTheNextBatchOrAlone) {
  auto ids = addParcels(2);
  GroupCommit group(io, *store, {}, store->openWriter().value());
  std::vector<std::int64_t> raised;
  auto told = [&](Result<PollOutcome> r) {
    ASSERT_TRUE(r) << r.error().message;
    for (const auto& t : r->raised) raised.push_back(t.id);
  };
  group.submit(raisingRequest(ids[0]), told);
  io.run();
  ASSERT_EQ(raised.size(), 1u);
  // Marked while the next result is queued: both go in one turn of the writer.
  group.mark(AlertMarks{{raised[0]}, {}, {}}, now);
  group.submit(raisingRequest(ids[1]), told);
  EXPECT_FALSE(group.idle());
  io.restart();
  io.run();
  ASSERT_EQ(raised.size(), 2u);
  ASSERT_EQ(store->unalertedTasks().value().size(), 1u);
  EXPECT_EQ(store->unalertedTasks().value()[0].id, raised[1]);
  // Nothing queued: the marks go alone, and idle waits for them.
  group.mark(AlertMarks{{raised[1]}, {}, {}}, now);
  bool idle = false;
  group.whenIdle([&] { idle = true; });
  EXPECT_FALSE(idle);
  io.restart();
  io.run();
  EXPECT_TRUE(idle);
  EXPECT_TRUE(store->unalertedTasks().value().empty());
  EXPECT_EQ(group.transactions(), 2u);
}

// Marks with no batch behind them wait a while for one: a transaction of their
// own rewrote the log pages the next batch writes again. A batch that comes in
// time takes them; else they go alone once kMarksWait has passed.
TEST_F(GroupCommitTest, WithAWriterAlertMarksWaitForTheNextBatchAWhileThenGoAlone) {
  using namespace std::chrono_literals;
  auto ids = addParcels(2);
  GroupCommit group(io, *store, {}, store->openWriter().value());
  std::vector<std::int64_t> raised;
  std::vector<std::size_t> unalertedWhenTold;
  auto told = [&](Result<PollOutcome> r) {
    ASSERT_TRUE(r) << r.error().message;
    for (const auto& t : r->raised) raised.push_back(t.id);
    unalertedWhenTold.push_back(store->unalertedTasks().value().size());
  };
  group.submit(raisingRequest(ids[0]), told);
  io.run();
  ASSERT_EQ(raised.size(), 1u);

  group.mark(AlertMarks{{raised[0]}, {}, {}}, now);
  io.restart();
  io.run_for(30ms);
  EXPECT_EQ(store->unalertedTasks().value().size(), 1u) << "marks went alone at once";
  group.submit(raisingRequest(ids[1]), told);
  io.restart();
  io.run();
  ASSERT_EQ(raised.size(), 2u);
  // Told after the second batch's transaction: the first task's mark was in it.
  EXPECT_EQ(unalertedWhenTold.back(), 1u);
  ASSERT_EQ(store->unalertedTasks().value().size(), 1u);
  EXPECT_EQ(store->unalertedTasks().value()[0].id, raised[1]);

  auto markedAt = std::chrono::steady_clock::now();
  group.mark(AlertMarks{{raised[1]}, {}, {}}, now);
  io.restart();
  io.run();  // until the marks' wait ended and they went alone
  EXPECT_GE(std::chrono::steady_clock::now() - markedAt, GroupCommit::kMarksWait);
  EXPECT_TRUE(store->unalertedTasks().value().empty());
  EXPECT_TRUE(group.idle());
  EXPECT_EQ(group.transactions(), 2u);
}

TEST_F(GroupCommitTest, WithAWriterAResultThatPlansOnTheLoopCommitsThere) {
  auto ids = addParcels(1);
  GroupCommit group(io, *store, {}, store->openWriter().value());
  const auto loop = std::this_thread::get_id();
  std::thread::id committedOn;
  CommitRequest r = requestFor(ids[0], 1);
  r.assess = [&](const Parcel&, const Timeline&, const ClaimFacts&) {
    committedOn = std::this_thread::get_id();
    return Assessment{ParcelStage::in_transit, {}};
  };
  r.plan_next = [](const PollOutcome&) { return std::optional<Timestamp>(); };
  bool told = false;
  group.submit(std::move(r), [&](Result<PollOutcome> outcome) { told = bool(outcome); });
  io.run();
  EXPECT_TRUE(told);
  EXPECT_EQ(committedOn, loop);
}

TEST_F(GroupCommitTest, WithAWriterABatchOutWhenTheGroupGoesIsCommittedButNotTold) {
  auto ids = addParcels(1);
  bool told = false;
  {
    GroupCommit group(io, *store, {}, store->openWriter().value());
    std::promise<void> started;
    CommitRequest r = requestFor(ids[0], 1);
    r.assess = [&](const Parcel&, const Timeline&, const ClaimFacts&) {
      started.set_value();
      return Assessment{ParcelStage::in_transit, {}};
    };
    group.submit(std::move(r), [&](Result<PollOutcome>) { told = true; });
    while (group.pending() > 0) io.run_one();
    started.get_future().wait();
  }  // waits for the writer's batch
  io.run();
  EXPECT_FALSE(told);
  EXPECT_EQ(store->timeline(ids[0]).value().size(), 1u);
}

}  // namespace
}  // namespace pw
