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
// One Store is used from one thread (the daemon's event loop). SQLiteCpp throws;
// nothing leaves this class as an exception: every failure is a Result.
#include "common/result.h"
#include "model/assessment.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "model/tracking_event.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace pw {

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

class Store {
 public:
  using AssessFn = std::function<Assessment(const Parcel&, const Timeline&)>;

  /// Opens (creating if needed) and migrates the database file.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Registers a parcel; `inserted` is false when it was already registered.
  struct AddOutcome {
    bool inserted = false;
    std::int64_t id = 0;
  };
  Result<AddOutcome> addParcel(const Parcel& parcel, Timestamp now);

  /// Parcels not in a final stage, for the scheduler.
  Result<std::vector<PollTarget>> pollTargets();
  /// Active parcels with id > afterId, by id: the scheduler loads them a page
  /// at a time so a million parcels never hold up the event loop.
  struct ActiveParcel {
    Parcel parcel;
    std::optional<Timestamp> last_polled_at;
  };
  Result<std::vector<ActiveParcel>> activeParcels(std::int64_t afterId, int limit);
  Result<std::optional<Parcel>> findParcel(std::string_view trackingNumber);
  Result<Parcel> parcel(std::int64_t id);
  Result<Timeline> timeline(std::int64_t parcelId);

  /// Merges `events` into the parcel's timeline, runs `assess` on the merged
  /// timeline and reconciles exceptions and tasks, all in one transaction.
  Result<PollOutcome> commitPoll(std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                                 const std::string& carrierState, Timestamp now,
                                 const AssessFn& assess);
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
  /// Forgets a parcel with its events, exceptions, tasks and claims.
  Result<void> removeParcel(std::int64_t parcelId);

  /// Records a buyer's "not received" claim for a parcel.
  Result<void> addClaim(std::int64_t parcelId, const std::string& note, Timestamp now);
  Result<bool> hasClaim(std::int64_t parcelId);
  /// Claims by this buyer (any parcel) since `since`.
  Result<int> buyerClaims(const std::string& buyerId, Timestamp since);

  Result<StoreCounts> counts();
  /// PRAGMA quick_check: "ok" or the first problems found.
  Result<std::string> quickCheck();

 private:
  explicit Store(std::unique_ptr<SQLite::Database> db);
  int dropRewrittenEvents(std::int64_t parcelId, const std::vector<TrackingEvent>& events);
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace pw
