#pragma once
// The application service the control socket, the push listener and the
// daemon drive: it composes the Scheduler (when to query), the PollLoop
// (querying), the ResultPipeline (answers and pushes into the store, with
// detection) and the AlertEmitter (the alert log), and answers the control
// commands. Everything runs on one io_context thread; long jobs (loading the
// schedule, rerun and reassess --all; service_jobs.cpp) advance a bounded
// page per turn of the loop, a reassessment's reading and detection run on
// screening threads (page_screener.h), and the integrity check runs on a
// thread of its own.
#include "common/clock.h"
#include "common/http.h"
#include "common/log.h"
#include "config/config.h"
#include "polling/alert_emitter.h"
#include "polling/alert_sink.h"
#include "polling/page_screener.h"
#include "polling/poll_loop.h"
#include "polling/result_pipeline.h"
#include "polling/scheduler.h"
#include "polling/service_api.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

namespace pw {

/// The scheduler's settings from the daemon's configuration.
SchedulerConfig schedulerConfigFrom(const Config& config);

class PollingService final : public ServiceApi {
 public:
  PollingService(boost::asio::io_context& io, Store& store, HttpClient& http, const Clock& clock,
                 AlertSink& alerts, std::shared_ptr<const Config> config);
  ~PollingService() override;

  /// Re-emits alert lines a crash left unwritten, starts loading the
  /// schedule (in the background) and the one-second tick.
  Result<void> start();
  /// Stops starting polls; `drained` runs once in-flight polls finished or,
  /// after `grace`, were abandoned.
  void stop(std::chrono::milliseconds grace, std::function<void()> drained);

  /// Switches to a new configuration (a reload): carriers, thresholds,
  /// templates, limits and schedule apply from the next poll; a shorter fixed
  /// interval pulls already scheduled polls forward. Polls in flight finish
  /// as they were.
  void reconfigure(std::shared_ptr<const Config> config);
  std::shared_ptr<const Config> config() const { return config_; }

  /// True when nothing is due and nothing is in flight (for tests and benches).
  bool idle() const;

  // ServiceApi
  Timestamp now() const override { return clock_.now(); }
  Result<StatusReport> status() override;
  std::vector<TrackResult> track(const std::vector<Parcel>& parcels) override;
  Result<RerunReport> rerun(const RerunSelection& selection) override;
  Result<ReassessReport> reassess(const RerunSelection& selection) override;
  Result<std::vector<ExceptionRecord>> exceptions(const ExceptionFilter& filter) override;
  Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) override;
  Result<std::size_t> claim(const std::string& trackingNumber, const std::string& note) override;
  Result<ParcelDetails> parcel(const std::string& trackingNumber) override;
  Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                        const std::string& outcome) override;
  Result<void> untrack(const std::string& trackingNumber) override;
  Result<JobProgress> check() override;
  Result<std::vector<NodeInfo>> nodes() override;

  /// A full history pushed by an aggregator: merged, detected and committed
  /// like a poll result, through the group commit. `done` runs after the
  /// commit, so acknowledging the push then can never lose it; not_found if
  /// the number is not tracked.
  using PushDone = std::function<void(Result<PollOutcome>)>;
  void acceptPush(std::string_view source, const std::string& trackingNumber,
                  CarrierSnapshot snapshot, PushDone done);
  /// Kuaidi100 found the parcel's carrier code was wrong (autoCheck/comNew).
  Result<void> correctCarrier(const std::string& trackingNumber, const std::string& carrier);

 private:
  enum class JobKind { rerun, reassess };
  Result<std::vector<Parcel>> named(const RerunSelection& selection);
  Result<void> startJob(JobKind kind, const RerunSelection& selection);
  /// The job's next `size` parcels from its cursor (sets job_read_all_ at the end).
  std::vector<Parcel> nextJobParcels(std::size_t size);
  /// The ids of the job's next `size` parcels: a screened job hands them to its
  /// screens, which read the rows.
  std::vector<std::int64_t> nextJobIds(std::size_t size);
  void jobPage();
  void countOutcomes(const std::vector<Result<PollOutcome>>& outcomes);
  void setReassessResult();
  void postScreenStep();
  void screenStep();
  /// Hands the next slice of the named parcels to the writer.
  void writeScreened();
  void screened(const std::vector<std::int64_t>& ids, Result<ScreenedPage> screened,
                std::uint64_t mark);
  void finishJob();
  bool holdingLog();
  void subscribe(const Parcel& parcel);
  void tick();
  void heartbeat();
  void armTicker();
  void summarize();
  void finishCheck(std::string result);

  boost::asio::io_context& io_;
  Store& store_;
  HttpClient& http_;
  const Clock& clock_;
  std::shared_ptr<const Config> config_;
  PollCounters counters_;
  LogLimiter limiter_;
  AlertEmitter alerts_;
  ResultPipeline pipeline_;
  Scheduler scheduler_;
  PollLoop loop_;
  boost::asio::steady_timer ticker_;
  bool stopping_ = false;

  // One background rerun or reassess (--all, --kind) at a time.
  JobProgress job_;
  JobKind job_kind_ = JobKind::rerun;
  bool job_all_ = false;               // page through active parcels by id
  std::vector<std::int64_t> job_ids_;  // or these (parcels with an exception of a kind)
  RerunReport job_rerun_;
  std::size_t job_raised_ = 0, job_resolved_ = 0;
  std::size_t job_page_ = 0;    // parcels the next page takes (see nextJobPage)
  std::int64_t job_after_ = 0;  // the cursor: the last active parcel read
  std::size_t job_index_ = 0;   // or the next of job_ids_
  bool job_read_all_ = false;
  // A reassessment with screens (service_jobs.cpp): pages out on a screen,
  // and the parcels they named, to write.
  unsigned job_screens_ = PageScreener::defaultThreads();
  std::size_t job_screening_ = 0;
  std::size_t job_named_ = 0;  // parcels the screens named, to write
  struct ScreenedWrites {
    std::vector<Parcel> parcels;  // the page's parcels the screen named, ascending
    ScreenedPage screened;
    std::uint64_t mark = 0;  // Store::screenMark before the screen read
    std::size_t next = 0;    // the first not yet written
  };
  std::deque<ScreenedWrites> job_writes_;
  bool job_writing_ = false;  // a slice is on the writer (one at a time)
  bool job_step_posted_ = false;
  std::optional<std::chrono::steady_clock::time_point> job_holding_since_;
  boost::asio::steady_timer job_wait_;
  JobProgress check_;
  std::thread check_thread_;

  PollCounters summarized_;  // counters_ at the last POLL_SUMMARY
  std::chrono::steady_clock::time_point last_summary_ = std::chrono::steady_clock::now();
  Timestamp started_at_;
  // A shared database: this node's heartbeat, and who counts as alive.
  static constexpr std::chrono::seconds kHeartbeatEvery{5};
  static constexpr Seconds kNodeLiveWithin{20};
  std::chrono::steady_clock::time_point last_heartbeat_;
  std::uint64_t heartbeats_ = 0;
  // Last: its threads stop before anything they were given goes.
  std::unique_ptr<PageScreener> screener_;
};

}  // namespace pw
