#pragma once
// SQLite persistence for parcels, events, exceptions and tasks.
//
// Durability promise: every poll result (new events, exception changes, new
// tasks, the parcel's stage) is written in one BEGIN IMMEDIATE transaction, so
// a crash or kill -9 at any moment leaves either all of it or none of it.
// synchronous=NORMAL in WAL mode keeps every committed transaction across a
// process crash; a power loss may lose the last few commits (an operator can
// choose synchronous=FULL for that, at ~10x the cost per commit).
//
// Threading: a Store is one SQLite connection and is used by one thread only.
// Several Stores may be open on the same file, one per thread (the daemon's
// writer thread commits poll and push results; its event loop reads and makes
// the rare other writes): WAL lets readers go on while one writes, and every
// write is a BEGIN IMMEDIATE transaction that waits up to `busy_timeout` for
// the other writer. The first open() migrates the schema under the write
// lock; a second opener waits for it and finds it done. open() runs no
// integrity check: quickCheck() is a read transaction that can run on its own
// Store without holding writers up.
//
// SQLiteCpp throws; nothing leaves this class as an exception: every failure
// is a Result.
#include "common/result.h"
#include "model/assessment.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "model/tracking_event.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
}

namespace pw {

namespace store {
struct State;
}

struct PollTarget {
  std::int64_t parcel_id = 0;
  std::string tracking_number;
  std::optional<Timestamp> last_polled_at;
};

struct PollOutcome {
  int new_events = 0;
  int rewritten = 0;  // stored events the carrier's answer replaced
  ParcelStage stage = ParcelStage::awaiting_pickup;
  std::vector<NotificationTask> raised;    // tasks created by this poll
  std::vector<ExceptionKind> resolved;     // exceptions that stopped holding
  std::vector<std::int64_t> resolved_ids;  // their ids, in the same order
  /// Open exceptions whose evidence changed (a new failed attempt, ...).
  struct Update {
    std::int64_t exception_id = 0;
    ExceptionKind kind = ExceptionKind::problem;
    std::string detail;
  };
  std::vector<Update> updated;
  /// Open tasks closed because their exception resolved.
  struct Closed {
    std::int64_t task_id = 0;
    ExceptionKind kind = ExceptionKind::problem;
  };
  std::vector<Closed> closed_tasks;
};

struct StoreCounts {
  std::map<std::string, std::int64_t> parcels_by_stage;
  std::map<std::string, std::int64_t> open_exceptions_by_kind;
  std::map<std::string, std::int64_t> tasks_by_state;
  std::int64_t events = 0;
};

struct TaskFilter {
  std::optional<TaskState> state;
  std::optional<ExceptionKind> kind;
  std::optional<std::string> tracking_number;
  std::optional<std::string> carrier;
  std::optional<Timestamp> created_before;  // "older than": created before this
  std::optional<Timestamp> created_after;   // "newer than"
  std::int64_t after_id = 0;                // paging: ids greater than this
  int limit = 1000;
};

struct ExceptionFilter {
  bool open_only = false;
  std::optional<ExceptionKind> kind;
  std::int64_t after_id = 0;  // paging: ids greater than this
  int limit = 1000;
};

/// A parcel's query quota for the carriers that limit queries per number
/// (Kuaidi100: never twice within 30 min, at most 48 in 24 h). The scheduler
/// decides with it; the store only keeps it.
struct QueryQuota {
  std::optional<Timestamp> last_query_at;
  double tokens = 0;                   // token bucket level at `tokens_at`
  std::optional<Timestamp> tokens_at;  // none: never queried (the bucket starts full)
};

/// A query the carrier counted, and the bucket's level after it.
struct QueryRecord {
  Timestamp at;
  double tokens = 0;
};

/// A parcel whose next poll is due, with what the scheduler needs to decide.
struct DueParcel {
  std::int64_t parcel_id = 0;
  std::string tracking_number;
  std::string carrier;
  Timestamp next_poll_at;
  ParcelStage stage = ParcelStage::awaiting_pickup;
  QueryQuota quota;
  std::optional<Timestamp> last_polled_at;
  std::optional<Timestamp> last_event_at;
  std::optional<EventKind> last_event_kind;
};

using AssessFn = std::function<Assessment(const Parcel&, const Timeline&)>;

/// One poll or push result to commit: what commitPoll takes, plus the
/// scheduler's state written in the same transaction.
struct CommitRequest {
  std::int64_t parcel_id = 0;
  std::vector<TrackingEvent> events;
  std::string carrier_state;
  Timestamp now;
  AssessFn assess;
  /// When to poll next. A final stage unschedules the parcel whatever this
  /// says; none and not final leaves the schedule as it was.
  std::optional<Timestamp> next_poll_at;
  std::optional<QueryRecord> query;  // the query that fetched this result, if it counted
  /// False for a reassessment of the stored timeline: no answer came, so the
  /// parcel's last poll time and carrier state stay as they were.
  bool answered = true;
};

struct StoreOptions {
  /// Events kept per parcel: the timeline `assess` sees and the cost of a
  /// commit are bounded by it. Over it, repeated scans go first, then the
  /// oldest; an open exception's evidence is never dropped.
  std::size_t event_cap = 500;
  /// SQLite page cache of this connection.
  int cache_mib = 64;
  /// How long a write waits for the other connection's write transaction.
  std::chrono::milliseconds busy_timeout{5000};
};

/// An exception with the parcel it belongs to, for export.
struct ExceptionRecord {
  ParcelException exception;
  std::string tracking_number;
  std::string carrier;
};

/// Alert-log lines confirmed written: task_raised lines by task id,
/// exception_raised and exception_resolved lines by exception id.
struct AlertMarks {
  std::vector<std::int64_t> tasks;
  std::vector<std::int64_t> raised;
  std::vector<std::int64_t> resolved;
  bool empty() const { return tasks.empty() && raised.empty() && resolved.empty(); }
  void clear() { *this = AlertMarks{}; }
};

/// A raised exception whose lines (one or both) a crash may have lost.
struct PendingRaise {
  NotificationTask task;        // the task and its exception
  bool exception_line = false;  // exception_raised still owed
  bool task_line = false;       // task_raised still owed
};

/// A resolved exception whose exception_resolved line is still owed.
struct PendingResolve {
  std::int64_t exception_id = 0;
  std::string tracking_number;
  std::string carrier;
  ExceptionKind kind = ExceptionKind::problem;
};

/// One outbox row (an alert event as committed) with a sink's retry state for it.
struct OutboxRow {
  std::int64_t seq = 0;
  Timestamp at;
  std::string event;
  std::string payload;  // the alert-log line, JSON
  int failures = 0;     // 0: never failed (or no failure recorded)
  std::int64_t first_failure_ms = 0;
  std::int64_t retry_at_ms = 0;
  std::string error;
};

/// A sink's retry state for one event, in milliseconds since the epoch.
struct OutboxFailure {
  int failures = 0;
  std::int64_t first_failure_ms = 0;
  std::int64_t retry_at_ms = 0;
  std::string error;
};

/// What `parcelwatchctl outbox` shows for one sink.
struct OutboxSinkSummary {
  std::string sink;
  std::int64_t delivered_through = 0;  // every seq up to this one is finished
  std::int64_t backlog = 0;            // rows after it not finished (failing included)
  std::int64_t failing = 0;
  std::int64_t parked = 0;
};

struct ParkedEvent {
  std::string sink;
  std::int64_t seq = 0;
  std::string event;
  std::string error;
};

class Store {
 public:
  using AssessFn = pw::AssessFn;

  /// Opens (creating if needed) and migrates the database file.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file,
                                             const StoreOptions& options = StoreOptions());
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Registers a parcel; `inserted` is false when it was already registered.
  struct AddOutcome {
    bool inserted = false;
    std::int64_t id = 0;
  };
  Result<AddOutcome> addParcel(const Parcel& parcel, Timestamp now);

  /// Parcels not in a final stage (every one of them: not for start-up).
  Result<std::vector<PollTarget>> pollTargets();
  /// Active parcels with id > afterId, by id: the scheduler loads them a page
  /// at a time so a million parcels never hold up the event loop.
  struct ActiveParcel {
    Parcel parcel;
    std::optional<Timestamp> last_polled_at;
  };
  Result<std::vector<ActiveParcel>> activeParcels(std::int64_t afterId, int limit);
  /// Parcels whose next poll is at or before `now`, soonest first.
  Result<std::vector<DueParcel>> dueParcels(Timestamp now, int limit);
  /// The earliest scheduled poll, to arm a timer on (none: nothing scheduled).
  Result<std::optional<Timestamp>> nextDue();
  /// Schedules (or, with none, unschedules) a parcel's next poll.
  Result<void> setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at);
  /// Records a query the carrier counted against the number.
  Result<void> recordQuery(std::int64_t parcelId, Timestamp at, double tokens);
  Result<std::optional<Parcel>> findParcel(std::string_view trackingNumber);
  Result<Parcel> parcel(std::int64_t id);
  Result<Timeline> timeline(std::int64_t parcelId);

  /// Merges `events` into the parcel's timeline, runs `assess` on the merged
  /// timeline and reconciles exceptions and tasks, all in one transaction.
  Result<PollOutcome> commitPoll(std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                                 const std::string& carrierState, Timestamp now,
                                 const AssessFn& assess);
  /// Commits several results in one transaction (one fsync-free WAL commit
  /// instead of one each). Each request runs in its own savepoint: one that
  /// fails is rolled back alone and reported in its slot, the others stand.
  /// The whole batch fails only if the transaction cannot begin or commit;
  /// then nothing of it is stored. A result is durable once this returns.
  Result<std::vector<Result<PollOutcome>>> commitBatch(std::vector<CommitRequest> requests);
  /// Counts a failed poll against the parcel (no events, no detection).
  Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now, const std::string& error);
  /// Replaces a parcel's carrier code (the aggregator corrected it).
  Result<void> updateCarrier(std::int64_t parcelId, const std::string& carrier);

  Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter);
  /// Tasks whose alert-log line was not yet confirmed written (e.g. after a crash).
  Result<std::vector<NotificationTask>> unalertedTasks();
  Result<void> markAlerted(const std::vector<std::int64_t>& taskIds, Timestamp now);
  Result<void> markAlerted(const AlertMarks& marks, Timestamp now);
  /// Raised and resolved lines not yet confirmed written, oldest first.
  Result<std::vector<PendingRaise>> unalertedRaises();
  Result<std::vector<PendingResolve>> unalertedResolves();

  /// Moves a task to acked, done or dismissed with what was done.
  Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                        const std::string& outcome, Timestamp now);
  /// Exceptions of a parcel, open and resolved, newest first.
  Result<std::vector<ParcelException>> exceptions(std::int64_t parcelId);
  /// Exceptions of all parcels, oldest first, for export.
  Result<std::vector<ExceptionRecord>> listExceptions(const ExceptionFilter& filter);
  /// Parcels with an open exception of this kind (rerun by kind).
  Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind);
  /// The same, a page at a time: ids greater than `afterId`, ascending.
  Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind, std::int64_t afterId,
                                                    int limit);
  /// Forgets a parcel with its events, exceptions, tasks and claims.
  Result<void> removeParcel(std::int64_t parcelId);

  /// Records a buyer's "not received" claim for a parcel.
  Result<void> addClaim(std::int64_t parcelId, const std::string& note, Timestamp now);
  Result<bool> hasClaim(std::int64_t parcelId);
  /// Claims by this buyer (any parcel) since `since`.
  Result<int> buyerClaims(const std::string& buyerId, Timestamp since);

  // The notification outbox (issue 13): rows are written by commitBatch,
  // commitPoll and setTaskState in their own transaction; sinks read them here.

  /// Makes the outbox's sinks exactly `names`: a new sink starts at the
  /// outbox's current end (it gets events committed from now on, not the
  /// history); a sink no longer named is forgotten with its retry and parked
  /// state, so it holds no rows back from pruning.
  Result<void> setOutboxSinks(const std::vector<std::string>& names);
  /// Rows with seq > afterSeq that `sink` has neither finished nor parked, by
  /// seq, at most `limit`, with the sink's retry state for each.
  Result<std::vector<OutboxRow>> outboxAfter(std::string_view sink, std::int64_t afterSeq,
                                             int limit);
  /// Finished for `sink` (delivered or filtered), in one transaction; moves
  /// the sink's delivered_through over every finished seq it can.
  Result<void> outboxDelivered(std::string_view sink, const std::vector<std::int64_t>& seqs);
  Result<void> outboxFailure(std::string_view sink, std::int64_t seq, const OutboxFailure& failure);
  Result<void> outboxPark(std::string_view sink, std::int64_t seq, const std::string& reason);
  /// Parked events of `sink` back into the flow, their retry state reset; how many.
  Result<std::int64_t> outboxRequeue(std::string_view sink);
  Result<std::vector<OutboxSinkSummary>> outboxSummary();
  Result<std::vector<ParkedEvent>> outboxParked(std::string_view sink, int limit);
  /// Deletes up to `limit` rows every sink has finished (every row when no
  /// sink is configured); how many. Parked rows are kept until re-queued and
  /// delivered, or until their sink is removed.
  Result<std::int64_t> pruneOutbox(int limit);
  /// The outbox's last seq (0: never written).
  Result<std::int64_t> outboxHead();

  /// Kept by triggers as rows change: reading them scans nothing.
  Result<StoreCounts> counts();
  /// PRAGMA quick_check: "ok" or the first problems found. Reads the whole
  /// file (seconds at a million parcels): run it on a Store of its own, off
  /// the start path; in WAL mode it holds no lock writers wait for.
  Result<std::string> quickCheck();

 private:
  Store(std::unique_ptr<SQLite::Database> db, const StoreOptions& options);
  /// One attempt; SQLite exceptions (SQLITE_BUSY among them) escape.
  static Result<std::unique_ptr<Store>> openOnce(const std::filesystem::path& file,
                                                 const StoreOptions& options);
  Result<PollOutcome> commitOne(const CommitRequest& request);
  Result<std::vector<Result<PollOutcome>>> commitAll(const std::vector<CommitRequest>& requests,
                                                     const char* what);
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<store::State> s_;
};

}  // namespace pw
