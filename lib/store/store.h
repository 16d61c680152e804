#pragma once
// The store's contract (class Store) and the requests and answers of its operations. The
// backends are SqliteStore (store/sqlite_store.h) and PostgresStore (store/postgres/pg_store.h);
// openStore (store/open_store.h) picks one from the configuration.
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

namespace pw {

struct PollTarget {
  std::int64_t parcel_id = 0;
  std::string tracking_number;
  std::optional<Timestamp> last_polled_at;
};

struct PollOutcome {
  /// The parcel's row as the commit read it (a poll or push result): a push
  /// names only its number, and its parcel is looked up in the commit.
  std::shared_ptr<const Parcel> parcel;
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
  /// The alert-log lines of this change, serialised as the outbox keeps them and in the order
  /// AlertEmitter::announce writes them; empty when the store did not write them (the
  /// emitter then builds them from the fields above).
  std::vector<std::string> alert_lines;
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
  /// A shared queue's claim: until when this node holds the parcel (none on SQLite).
  std::optional<Timestamp> lease_until;
};

/// What detection knows of a parcel beside its timeline: the buyers' claims,
/// read by the store with the parcel's row, in the same transaction.
struct ClaimFacts {
  bool claimed_not_received = false;  // a claim on this parcel
  int buyer_claims = 0;               // this buyer's claims since the request's claims_since
};

using AssessFn = std::function<Assessment(const Parcel&, const Timeline&, const ClaimFacts&)>;

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
  /// The node whose lease this result ends (a shared queue; empty on SQLite). A commit only
  /// clears its own node's lease, so a late result cannot free a parcel another node holds now.
  std::string node;
  /// Plans the next poll from what this result settled (the stage, the tasks
  /// raised), inside the transaction: it overrides `next_poll_at`, so a shared
  /// queue gets the result and its next due time in one commit. May run more
  /// than once when a transaction is retried; must not throw.
  std::function<std::optional<Timestamp>(const PollOutcome&)> plan_next;
  /// False for a reassessment of the stored timeline: no answer came, so the
  /// parcel's last poll time and carrier state stay as they were.
  bool answered = true;
  /// The buyer's claims are counted from here (the remedy policy's window).
  /// They are read in the commit, on the writer's connection: read on the
  /// loop before it, they cost a read transaction (and its locks) per result.
  Timestamp claims_since{};
  /// With parcel_id 0: the parcel tracked under this number (the first
  /// registered), looked up in the commit; not_found when there is none. A
  /// push names only its number, and the loop then reads nothing for it.
  std::string tracking_number;
};

/// Detection and remedies again over stored timelines (reassess): no answer
/// came, so nothing of the carrier's is written, and a parcel whose
/// assessment is what the store already holds is not written at all.
struct ReassessPage {
  /// By id, ascending. A screen (Store::screenReassess) reads only their
  /// ids: it reads the rows itself and hands back those of the parcels it names.
  std::vector<Parcel> parcels;
  Timestamp now;
  Timestamp claims_since;  // the buyer's claims counted from here
  /// `messages` false: without the buyer messages (a screen, which raises nothing).
  std::function<Assessment(const Parcel&, const Timeline&, const ClaimFacts&, bool messages)>
      assess;
};

namespace store {
struct ScreenRows;
}

/// What a screen of a reassess page found (Store::screenReassess).
struct ScreenedPage {
  /// Per parcel of the page: a reassessment writes it, or it is gone.
  std::vector<bool> named;
  /// What the screen read of the named parcels, so that writing them need
  /// not read them again; null: they are read again.
  std::shared_ptr<const store::ScreenRows> rows;
  /// The rows the screen read of the named parcels, in the page's order (a
  /// parcel gone: its id alone), so that the loop need not read them. Empty
  /// when it read none (or named none).
  std::vector<Parcel> parcels;
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
  /// How often a thread of the store's own moves the write-ahead log into
  /// the database file (store/wal_checkpointer.h); 0: the committing
  /// connection does it, inside its commits, as SQLite does by default.
  std::chrono::milliseconds checkpoint_every{500};
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
  void append(const AlertMarks& more) {
    tasks.insert(tasks.end(), more.tasks.begin(), more.tasks.end());
    raised.insert(raised.end(), more.raised.begin(), more.raised.end());
    resolved.insert(resolved.end(), more.resolved.begin(), more.resolved.end());
  }
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

/// One alert event as committed, in the alert-log line format.
struct OutboxEntry {
  std::int64_t seq = 0;
  Timestamp at;
  std::string event;
  std::string payload;  // one JSON object, the alert-log line
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

/// The store every part above it talks to (detection, polling, pushes, control). Two backends
/// implement it with the same guarantees: SqliteStore (one file, the default) and PostgresStore
/// (one database several nodes share). Every poll or push result is one transaction on both
/// (commitBatch: one transaction, a savepoint per result). One Store is one connection, used from
/// one thread. No method throws: every failure is a Result.
class Store {
 public:
  using AssessFn = pw::AssessFn;

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// "sqlite" or "postgres", for status and logs.
  virtual std::string_view backend() const = 0;
  /// The due queue and nodes of a store several nodes share; null for a
  /// store only one daemon uses (SQLite).
  virtual class SharedQueue* sharedQueue() { return nullptr; }

  /// Registers a parcel, due at once; `inserted` is false when it was already registered.
  struct AddOutcome {
    bool inserted = false;
    std::int64_t id = 0;
  };
  virtual Result<AddOutcome> addParcel(const Parcel& parcel, Timestamp now) = 0;

  /// Parcels not in a final stage (every one of them: not for start-up).
  virtual Result<std::vector<PollTarget>> pollTargets() = 0;
  /// Active parcels with id > afterId, by id: the scheduler loads them a page
  /// at a time so a million parcels never hold up the event loop.
  struct ActiveParcel {
    Parcel parcel;
    std::optional<Timestamp> last_polled_at;
  };
  virtual Result<std::vector<ActiveParcel>> activeParcels(std::int64_t afterId, int limit) = 0;
  /// The ids of activeParcels alone: a reassessment's loop hands pages of
  /// ids to its screens, which read the rows.
  virtual Result<std::vector<std::int64_t>> activeParcelIds(std::int64_t afterId, int limit);
  /// Parcels whose next poll is at or before `now`, soonest first.
  virtual Result<std::vector<DueParcel>> dueParcels(Timestamp now, int limit) = 0;
  /// The earliest scheduled poll, to arm a timer on (none: nothing scheduled).
  virtual Result<std::optional<Timestamp>> nextDue() = 0;
  /// Schedules (or, with none, unschedules) a parcel's next poll.
  virtual Result<void> setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at) = 0;
  /// Records a query the carrier counted against the number.
  virtual Result<void> recordQuery(std::int64_t parcelId, Timestamp at, double tokens) = 0;
  virtual Result<std::optional<Parcel>> findParcel(std::string_view trackingNumber) = 0;
  /// findParcel for each number, in their order: the parcels a dispatch of
  /// several polls sends for. SQLite reads them in one read transaction
  /// (its locks and its page cache's check once, not once a number).
  virtual Result<std::vector<std::optional<Parcel>>> findParcels(
      const std::vector<std::string>& trackingNumbers);
  virtual Result<Parcel> parcel(std::int64_t id) = 0;
  virtual Result<Timeline> timeline(std::int64_t parcelId) = 0;

  /// Merges `events` into the parcel's timeline, runs `assess` on the merged
  /// timeline and reconciles exceptions and tasks, all in one transaction.
  virtual Result<PollOutcome> commitPoll(std::int64_t parcelId,
                                         const std::vector<TrackingEvent>& events,
                                         const std::string& carrierState, Timestamp now,
                                         const AssessFn& assess) = 0;
  /// Commits several results in one transaction. Each request runs in its own
  /// savepoint: one that fails is rolled back alone and reported in its slot,
  /// the others stand. The whole batch fails only if the transaction cannot
  /// begin or commit; then nothing of it is stored. A result is durable once
  /// this returns.
  virtual Result<std::vector<Result<PollOutcome>>> commitBatch(
      std::vector<CommitRequest> requests) = 0;
  /// As commitBatch(requests), with alert lines written meanwhile marked as
  /// markAlerted(marks, marksAt) would (a failure to mark is logged, not the
  /// batch's). This one marks in a transaction of its own first; a backend
  /// may mark inside the batch's, saving a commit.
  virtual Result<std::vector<Result<PollOutcome>>> commitBatch(std::vector<CommitRequest> requests,
                                                               const AlertMarks& marks,
                                                               Timestamp marksAt);
  /// Reassesses a page of parcels in one transaction, with the same answer
  /// per parcel as commitBatch of requests with `answered` false (each slot
  /// its parcel's outcome or error). This one reads each parcel on its own
  /// and commits through commitBatch; a backend may read the page at once.
  virtual Result<std::vector<Result<PollOutcome>>> reassessPage(const ReassessPage& page);
  /// Which parcels of `page` reassessPage would write (or a parcel no longer
  /// stored), told by reading and assessing them in one read transaction that
  /// writes nothing. A reassessment screens pages on connections and threads
  /// of their own and writes only the few parcels that change: a parcel that
  /// changes after the screen was committed by a poll or push with the same
  /// configuration, and one the screen names is assessed again as it writes.
  /// This one cannot tell and names every parcel.
  virtual Result<ScreenedPage> screenReassess(const ReassessPage& page);
  /// Another connection to the same database for a thread that screens
  /// reassess pages; null when screenReassess could not tell anything (then
  /// a reassessment reads and writes on this connection alone).
  virtual Result<std::unique_ptr<Store>> openScreen() { return std::unique_ptr<Store>(); }
  /// Another connection to the same database for the thread that commits
  /// poll and push results (GroupCommit's writer), so that the loop and the
  /// commits use a core each; null when this backend has none (results then
  /// commit on this connection, on the loop).
  virtual Result<std::unique_ptr<Store>> openWriter() { return std::unique_ptr<Store>(); }
  /// A mark of the writes made on this connection (and its writer's) so
  /// far. From the first call on, until endScreens(), the store remembers
  /// which parcels are written after a mark: what a screen read of them may
  /// be stale.
  virtual std::uint64_t screenMark() { return 0; }
  virtual void endScreens() {}
  /// True while the screens' reads keep the store's log from starting over
  /// and it has grown past its bound: a reassessment sends out no new page
  /// until the screens out have finished and the log could start over.
  virtual bool screensHoldLog() { return false; }
  /// reassessPage for `named` (ascending ids), the parcels a screen of a
  /// page named, taken before `mark`: a parcel not written since and whose
  /// rows the screen kept is written from them, the others are read again.
  /// This one reads them all again.
  virtual Result<std::vector<Result<PollOutcome>>> reassessScreened(const ReassessPage& named,
                                                                    const ScreenedPage& screened,
                                                                    std::uint64_t mark);
  /// Counts a failed poll against the parcel (no events, no detection).
  virtual Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now,
                                         const std::string& error) = 0;
  /// Replaces a parcel's carrier code (the aggregator corrected it).
  virtual Result<void> updateCarrier(std::int64_t parcelId, const std::string& carrier) = 0;

  virtual Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) = 0;
  /// Tasks whose alert-log line was not yet confirmed written (e.g. after a crash).
  virtual Result<std::vector<NotificationTask>> unalertedTasks() = 0;
  Result<void> markAlerted(const std::vector<std::int64_t>& taskIds, Timestamp now) {
    return markAlerted(AlertMarks{taskIds, {}, {}}, now);
  }
  virtual Result<void> markAlerted(const AlertMarks& marks, Timestamp now) = 0;
  /// Raised and resolved lines not yet confirmed written, oldest first.
  virtual Result<std::vector<PendingRaise>> unalertedRaises() = 0;
  virtual Result<std::vector<PendingResolve>> unalertedResolves() = 0;

  /// Moves a task to acked, done or dismissed with what was done.
  virtual Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                                const std::string& outcome, Timestamp now) = 0;
  /// Exceptions of a parcel, open and resolved, newest first.
  virtual Result<std::vector<ParcelException>> exceptions(std::int64_t parcelId) = 0;
  /// Exceptions of all parcels, oldest first, for export.
  virtual Result<std::vector<ExceptionRecord>> listExceptions(const ExceptionFilter& filter) = 0;
  /// Parcels with an open exception of this kind (rerun by kind).
  Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind) {
    return parcelsWithOpen(kind, 0, -1);
  }
  /// The same, a page at a time: ids greater than `afterId`, ascending (a negative limit: all).
  virtual Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind,
                                                            std::int64_t afterId, int limit) = 0;
  /// Forgets a parcel with its events, exceptions, tasks and claims.
  virtual Result<void> removeParcel(std::int64_t parcelId) = 0;

  /// Records a buyer's "not received" claim for a parcel.
  virtual Result<void> addClaim(std::int64_t parcelId, const std::string& note, Timestamp now) = 0;
  virtual Result<bool> hasClaim(std::int64_t parcelId) = 0;
  /// Claims by this buyer (any parcel) since `since`.
  virtual Result<int> buyerClaims(const std::string& buyerId, Timestamp since) = 0;

  // The notification outbox (issue 13): rows are written by commitBatch,
  // commitPoll and setTaskState in their own transaction; sinks read them here.

  /// Makes the outbox's sinks exactly `names`: a new sink starts at the
  /// outbox's current end (it gets events committed from now on, not the
  /// history); a sink no longer named is forgotten with its retry and parked
  /// state, so it holds no rows back from pruning.
  virtual Result<void> setOutboxSinks(const std::vector<std::string>& names) = 0;
  /// Rows with seq > afterSeq that `sink` has neither finished nor parked, by
  /// seq, at most `limit`, with the sink's retry state for each.
  virtual Result<std::vector<OutboxRow>> outboxAfter(std::string_view sink, std::int64_t afterSeq,
                                                     int limit) = 0;
  /// Finished for `sink` (delivered or filtered), in one transaction; moves
  /// the sink's delivered_through over every finished seq it can.
  virtual Result<void> outboxDelivered(std::string_view sink,
                                       const std::vector<std::int64_t>& seqs) = 0;
  virtual Result<void> outboxFailure(std::string_view sink, std::int64_t seq,
                                     const OutboxFailure& failure) = 0;
  virtual Result<void> outboxPark(std::string_view sink, std::int64_t seq,
                                  const std::string& reason) = 0;
  /// Parked events of `sink` back into the flow, their retry state reset; how many.
  virtual Result<std::int64_t> outboxRequeue(std::string_view sink) = 0;
  virtual Result<std::vector<OutboxSinkSummary>> outboxSummary() = 0;
  virtual Result<std::vector<ParkedEvent>> outboxParked(std::string_view sink, int limit) = 0;
  /// Deletes up to `limit` rows committed before `before` that every sink has
  /// finished (with no sink configured: every such row); how many. Parked rows
  /// are kept until re-queued and delivered, or until their sink is removed.
  /// Rows younger than `before` stay for `follow --from SEQ`.
  virtual Result<std::int64_t> pruneOutbox(int limit, Timestamp before) = 0;
  /// Whether this connection is the one delivering `sink`'s events. Always on
  /// SQLite (one daemon per file); on a shared database one node at a time
  /// holds each sink, and another takes it over once that node is gone.
  virtual Result<bool> ownSinkDelivery(std::string_view sink) = 0;
  /// The outbox's last seq (0: never written).
  virtual Result<std::int64_t> outboxHead() = 0;

  /// Alert events with seq > afterSeq, in commit order, at most `limit` (what `follow` streams).
  virtual Result<std::vector<OutboxEntry>> readOutbox(std::int64_t afterSeq, int limit) = 0;

  /// Kept as rows change (triggers): reading them scans nothing. On a shared
  /// database they are the cluster's.
  virtual Result<StoreCounts> counts() = 0;
  /// "ok" or the first problems found. Reads everything (seconds at a million
  /// parcels): run it on a Store of its own, off the start path.
  virtual Result<std::string> quickCheck() = 0;

 protected:
  Store() = default;
};

}  // namespace pw
