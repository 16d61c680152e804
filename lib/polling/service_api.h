#pragma once
// The narrow interface the control socket drives. Handlers are written
// against it, so they can be tested without the polling machinery.
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "polling/scheduler.h"
#include "store/postgres/cluster_types.h"
#include "store/store.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw {

struct TrackResult {
  std::string tracking_number;
  bool ok = false;
  bool inserted = false;  // false and ok: it was already registered
  std::string error;
};

/// Request latency in Prometheus histogram form (cumulative on rendering).
struct LatencyHistogram {
  static constexpr std::array<double, 10> kBounds = {0.05, 0.1, 0.25, 0.5, 1,
                                                     2.5,  5,   10,   30,  60};  // seconds
  std::array<std::uint64_t, kBounds.size()> buckets{};  // per bucket, not cumulative
  std::uint64_t count = 0;
  double sum = 0;
  void observe(double seconds) {
    for (std::size_t i = 0; i < kBounds.size(); ++i)
      if (seconds <= kBounds[i]) {
        ++buckets[i];
        break;
      }
    ++count;
    sum += seconds;
  }
};

/// Counters since start-up, for `status`, `stats` and /metrics.
struct PollCounters {
  std::uint64_t tasks_raised = 0;
  std::uint64_t pushes = 0;
  std::uint64_t alert_write_failures = 0;
  std::chrono::milliseconds last_latency{0};
  /// (aggregator, outcome): ok, no_result, unknown_number, not_registered, rate_limited,
  /// http_error, bad_answer, transport_error, store_error.
  std::map<std::pair<std::string, std::string>, std::uint64_t> polls;
  std::map<std::string, LatencyHistogram> latency;  // by aggregator
  std::map<std::string, std::uint64_t> pushes_by_source;
  std::map<std::string, std::uint64_t> tasks_raised_by_kind;
  std::map<std::string, std::uint64_t> exceptions_resolved_by_kind;
  /// Polls with this outcome, over every aggregator.
  std::uint64_t pollsWith(std::string_view outcome) const {
    std::uint64_t n = 0;
    for (const auto& [key, count] : polls) n += key.second == outcome ? count : 0;
    return n;
  }
  std::uint64_t pollsTotal() const {
    std::uint64_t n = 0;
    for (const auto& [key, count] : polls) n += count;
    return n;
  }
  std::uint64_t pollsOk() const { return pollsWith("ok"); }
  std::uint64_t pollsNoResult() const { return pollsWith("no_result"); }
  /// Everything but ok, no_result, unknown_number (answers about the number)
  /// and not_registered (which is retried at once).
  std::uint64_t pollsFailed() const {
    return pollsTotal() - pollsOk() - pollsNoResult() - pollsWith("unknown_number") -
           pollsWith("not_registered");
  }
};

/// A background job's progress (reassess --all, the integrity check).
struct JobProgress {
  bool running = false;
  std::size_t done = 0;
  std::size_t total = 0;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  std::string result;  // when finished: a summary ("ok", "raised 3 resolved 5")
};

struct StatusReport {
  Seconds uptime{0};
  StoreCounts counts;
  std::size_t scheduled = 0;
  std::size_t in_flight = 0;
  std::size_t due_now = 0;
  bool schedule_loading = false;
  PollCounters counters;
  SchedulerStats scheduler;
  JobProgress job;       // the last background rerun or reassess
  std::string job_name;  // "rerun" or "reassess"
  JobProgress check;
  std::string backend;          // "sqlite" or "postgres"
  std::string node;             // a shared database: this node's name (counts are the cluster's)
  std::size_t leases_held = 0;  // parcels this node has claimed and not yet settled
  std::uint64_t commit_transactions = 0;  // of poll and push results, since start
  std::uint64_t results_committed = 0;
};

struct ParcelDetails {
  Parcel parcel;
  Timeline timeline;
  std::vector<ParcelException> exceptions;
  std::vector<NotificationTask> tasks;
};

/// What a rerun did: queued now, or deferred until the carrier's rules
/// (per-number gap, backoff, breaker, budget) allow.
struct RerunReport {
  std::size_t queued = 0;
  std::size_t deferred = 0;
  std::optional<Timestamp> deferred_until;     // the last of the deferred
  std::map<std::string, std::size_t> reasons;  // deferral reason -> parcels
  std::size_t background = 0;  // --all / --kind: parcels the background job goes through
};

/// What `reassess` did over stored timelines (no carrier query).
struct ReassessReport {
  std::size_t parcels = 0;  // named parcels, done at once
  std::size_t raised = 0;
  std::size_t resolved = 0;
  std::size_t background = 0;  // --all / --kind: parcels the background job goes through
};

/// What `rerun` polls now: named parcels, those with an open exception of a
/// kind, or every active one.
struct RerunSelection {
  std::vector<std::string> tracking_numbers;
  std::optional<ExceptionKind> kind;
  bool all = false;
};

class ServiceApi {
 public:
  virtual ~ServiceApi() = default;
  /// The daemon's clock, for arguments given as ages ("older than 48h").
  virtual Timestamp now() const = 0;
  virtual Result<StatusReport> status() = 0;
  virtual std::vector<TrackResult> track(const std::vector<Parcel>& parcels) = 0;
  /// Polls and re-detects the selected parcels as soon as the carriers'
  /// rules allow. An unknown number fails the whole call (nothing queued).
  virtual Result<RerunReport> rerun(const RerunSelection& selection) = 0;
  /// Detection and remedies again over stored timelines with the current
  /// configuration, no carrier query. Named parcels are done at once; a kind
  /// or all run in the background, a bounded page per turn of the loop.
  virtual Result<ReassessReport> reassess(const RerunSelection& selection) = 0;
  /// Exceptions of all parcels, for export.
  virtual Result<std::vector<ExceptionRecord>> exceptions(const ExceptionFilter& filter) = 0;
  virtual Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) = 0;
  /// Records a buyer's "not received" claim and re-detects the parcel;
  /// returns the buyer's recent claim count.
  virtual Result<std::size_t> claim(const std::string& trackingNumber, const std::string& note) = 0;
  virtual Result<ParcelDetails> parcel(const std::string& trackingNumber) = 0;
  virtual Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                                const std::string& outcome) = 0;
  /// Stops watching a parcel and forgets it.
  virtual Result<void> untrack(const std::string& trackingNumber) = 0;
  /// Starts the database's integrity check in the background (its own
  /// connection, never on the event loop); its progress, or the running one's.
  virtual Result<JobProgress> check() = 0;
  /// Live nodes on a shared database, with the leases each holds.
  virtual Result<std::vector<NodeInfo>> nodes() = 0;
};

}  // namespace pw
