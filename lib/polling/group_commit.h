#pragma once
// Results of polls and pushes that are ready in the same turn of the event
// loop commit together: one store transaction, a savepoint each, instead of a
// transaction each. On SQLite a transaction's commit is most of what a small
// result costs (`bench_commit_cost batch=1` against `batch=16`), so under load
// the rate grows with what is waiting, and a lone result waits no longer than
// one post to the loop. A result's continuation runs only after the
// transaction that holds it committed, so whatever the caller acknowledges
// then (a push's HTTP answer) is already durable.
//
// Before it commits, the group lets the loop take another look at its
// sockets for as long as that brought more results (a few turns at most):
// answers reach the loop one reactor pass at a time, and a transaction per
// pass cost a commit and a log write of the same B-tree pages for every one
// or two results.
//
// With a writer, a batch of fewer than kFullBatch results handed to it less
// than `spacing` after the last one waits for the rest of that time (or
// until it is full): a fast writer otherwise took what one turn brought, and
// each transaction's fixed cost (its log frames of the same hot pages, the
// writer's wake-up and the loop's) was spread over a dozen results. Batches
// further apart than that, and a lone result, go at once; so does a batch
// holding a result someone waits on (a push's sender, whose next push comes
// only after the answer: waiting there cost a third of the pushes a second).
//
// Given a writer (a connection of its own, Store::openWriter), a batch
// commits on a thread of its own while the loop goes on with sockets,
// decodes and the schedule: one batch at a time, in the order results came,
// and the results that arrive meanwhile form the next. Other large writes
// (write()) take turns with the batches on that thread, and the alert marks
// (mark()) ride on the next batch. `afterBatch` runs on the loop while the
// writer is idle (only the loop hands it work). Without one (an
// in-memory database, a shared queue whose commit plans the next poll on the
// loop's scheduler) it commits on the loop.
#include "polling/decode_pool.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace pw {

class GroupCommit {
 public:
  using Done = std::function<void(Result<PollOutcome>)>;
  /// A flush commits at most this many results, so one turn of the loop stays
  /// within milliseconds; the rest go in the next turn. The queue itself is
  /// bounded by its producers (poll.max_in_flight requests, one push per open
  /// push connection).
  static constexpr std::size_t kMaxBatch = 64;
  /// Turns of the loop a batch may wait for more results: each is one
  /// non-blocking look at the sockets, so a lone result waits microseconds.
  static constexpr int kMaxGatherTurns = 8;
  /// A batch this large goes to the writer without waiting for the spacing.
  static constexpr std::size_t kFullBatch = 32;
  /// Between batches handed to the writer, unless full.
  static constexpr std::chrono::microseconds kBatchSpacing{3000};
  /// How long alert marks wait for a batch to ride on before they go alone.
  static constexpr std::chrono::milliseconds kMarksWait{100};

  /// `afterBatch` runs once the continuations of a transaction's results ran.
  /// `writer`, if any, is another connection to `store`'s database.
  GroupCommit(boost::asio::io_context& io, Store& store, std::function<void()> afterBatch = {},
              std::unique_ptr<Store> writer = nullptr,
              std::chrono::microseconds spacing = kBatchSpacing);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  /// Whether anyone waits on a result's commit before it sends more.
  enum Urgency { kMayWait, kAwaited };

  /// Queues `request`; `done` runs on the loop after its transaction ended,
  /// with the result's outcome or the error that kept it from committing.
  void submit(CommitRequest request, Done done, Urgency urgency = kMayWait);

  /// Runs `work` on the writer's connection (this store's without one),
  /// between batches, then `then` on the loop: other large writes (a
  /// reassessment's pages), so that they never wait on the loop for the
  /// writer's lock. `work` runs on another thread: it must touch nothing but
  /// what it captured and the store it is given, and report its own errors.
  /// The queue is bounded by its callers (one reassessment slice at a time).
  using Work = std::function<void(Store&)>;
  void write(Work work, std::function<void()> then = {});

  /// Tells the store, on the writer's connection, that these alert lines
  /// reached the disk: in the next batch's transaction, or on their own when no
  /// batch came within kMarksWait (at once when a stop waits, whenIdle). A
  /// transaction of their own rewrote the log pages the next batch writes again
  /// (a quarter of a busy writer's transactions, 7 or 8 pages each). A write
  /// on the loop's connection would cost the writer its page cache (SQLite
  /// drops it when another connection wrote) and the loop a transaction per
  /// batch. A crash before the marks only repeats those lines at the next
  /// start ("may repeat, never vanish").
  void mark(const AlertMarks& marks, Timestamp at);

  /// `then` runs on the loop once nothing is queued or out on the writer (a
  /// turn later if that is so now): a stop waits for it, so that what was
  /// committed is told and its alert lines are marked in the store.
  void whenIdle(std::function<void()> then);

  /// Nothing queued, nothing out on the writer.
  bool idle() const { return !writing_ && pending_.empty() && jobs_.empty() && marks_.empty(); }
  std::size_t pending() const { return pending_.size(); }
  bool hasWriter() const { return writer_ != nullptr; }
  std::uint64_t transactions() const { return transactions_; }
  std::uint64_t committed() const { return committed_; }

 private:
  struct Item {
    CommitRequest request;
    Done done;
    Urgency urgency = kMayWait;
  };
  struct Batch {
    std::vector<CommitRequest> requests;
    std::vector<Done> dones;
    AlertMarks marks;  // written with the batch (Store::commitBatch)
    Timestamp marks_at{};
    Result<std::vector<Result<PollOutcome>>> results = std::vector<Result<PollOutcome>>();
  };
  struct Job {
    Work work;
    std::function<void()> then;
  };
  void schedule();
  void post();
  void gather();
  void flush();
  bool waitForMore();
  bool marksMayWait();
  void runJob();
  void runMarks();
  void checkIdle();
  bool forWriter(const Batch& batch) const;
  void committed(Batch& batch);

  boost::asio::io_context& io_;
  Store& store_;
  std::function<void()> after_batch_;
  std::deque<Item> pending_;
  std::deque<Job> jobs_;
  AlertMarks marks_;
  Timestamp marks_at_{};
  std::chrono::steady_clock::time_point marks_since_{};  // marks_ was empty before
  boost::asio::steady_timer marks_timer_;
  bool marks_timer_set_ = false;
  bool posted_ = false;
  bool writing_ = false;  // a batch or job is on the writer's thread
  bool spacing_ = false;  // a batch waits for spacing_timer_ (waitForMore)
  std::chrono::microseconds spacing_wait_;
  boost::asio::steady_timer spacing_timer_;
  std::chrono::steady_clock::time_point last_batch_at_{};  // handed to the writer
  bool job_turn_ = false;
  std::function<void()> idle_;  // whenIdle()'s
  std::size_t seen_ = 0;        // pending_ at the previous turn of gather()
  int turns_ = 0;
  std::uint64_t transactions_ = 0;
  std::uint64_t committed_ = 0;
  // A flush posted before this object is gone must not run on it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<Store> writer_;
  // After the writer: waits for the batch on its thread before the
  // connection closes; that batch's continuations never run.
  std::optional<DecodePool> thread_;
};

}  // namespace pw
