#pragma once
// The narrow interface the control socket drives. Handlers are written
// against it, so they can be tested without the polling machinery.
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <vector>

namespace pw {

struct TrackResult {
  std::string tracking_number;
  bool ok = false;
  bool inserted = false;  // false and ok: it was already registered
  std::string error;
};

struct PollCounters {
  std::uint64_t polls_ok = 0;
  std::uint64_t polls_no_result = 0;
  std::uint64_t polls_failed = 0;
  std::uint64_t tasks_raised = 0;
  std::uint64_t pushes = 0;
  std::uint64_t alert_write_failures = 0;
  std::chrono::milliseconds last_latency{0};
};

struct StatusReport {
  Seconds uptime{0};
  StoreCounts counts;
  std::size_t scheduled = 0;
  std::size_t in_flight = 0;
  std::size_t due_now = 0;
  PollCounters counters;
};

struct ParcelDetails {
  Parcel parcel;
  Timeline timeline;
  std::vector<ParcelException> exceptions;
  std::vector<NotificationTask> tasks;
};

class ServiceApi {
 public:
  virtual ~ServiceApi() = default;
  virtual Result<StatusReport> status() = 0;
  virtual std::vector<TrackResult> track(const std::vector<Parcel>& parcels) = 0;
  /// Polls and re-detects one parcel (by number) or all active ones, now.
  /// Returns how many were queued.
  virtual Result<std::size_t> rerun(const std::optional<std::string>& trackingNumber) = 0;
  virtual Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) = 0;
  /// Records a buyer's "not received" claim and re-detects the parcel;
  /// returns the buyer's recent claim count.
  virtual Result<std::size_t> claim(const std::string& trackingNumber, const std::string& note) = 0;
  virtual Result<ParcelDetails> parcel(const std::string& trackingNumber) = 0;
  virtual Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                                const std::string& outcome) = 0;
  /// Stops watching a parcel and forgets it.
  virtual Result<void> untrack(const std::string& trackingNumber) = 0;
};

}  // namespace pw
