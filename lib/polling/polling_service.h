#pragma once
// The application service: decides which parcel is due, fetches its history
// through the HttpClient, decodes it with the carrier codec, runs detection
// and remedies inside one store transaction, then writes the alert log.
//
// Scheduling: each active parcel is due `poll.interval` after its last poll
// (immediately if never polled); a failed poll is retried after
// `poll.retry_after_failure` or the carrier's Retry-After, whichever is later.
// At most `poll.max_in_flight` requests are open. Parcels in a final stage
// leave the schedule. Everything runs on one io_context thread.
#include "carriers/carrier_registry.h"
#include "common/clock.h"
#include "common/http.h"
#include "common/log.h"
#include "config/config.h"
#include "polling/alert_sink.h"
#include "polling/service_api.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

namespace pw {

class PollingService final : public ServiceApi {
 public:
  PollingService(boost::asio::io_context& io, Store& store, HttpClient& http, const Clock& clock,
                 AlertSink& alerts, std::shared_ptr<const Config> config);
  ~PollingService() override;

  /// Loads the schedule from the store, re-emits alerts a crash left unwritten,
  /// and starts the scheduler.
  Result<void> start();
  /// Stops starting polls; `drained` runs once in-flight polls finished or,
  /// after `grace`, were abandoned.
  void stop(std::chrono::milliseconds grace, std::function<void()> drained);

  /// Switches to a new configuration (a reload): carriers, thresholds,
  /// templates and poll settings apply from the next poll; a shorter interval
  /// pulls already scheduled polls forward. Polls in flight finish as they were.
  void reconfigure(std::shared_ptr<const Config> config);
  std::shared_ptr<const Config> config() const { return config_; }

  /// True when nothing is due and nothing is in flight (for tests and benches).
  bool idle() const;

  // ServiceApi
  Timestamp now() const override { return clock_.now(); }
  Result<StatusReport> status() override;
  std::vector<TrackResult> track(const std::vector<Parcel>& parcels) override;
  Result<std::size_t> rerun(const RerunSelection& selection) override;
  Result<std::vector<ExceptionRecord>> exceptions(const ExceptionFilter& filter) override;
  Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) override;
  Result<std::size_t> claim(const std::string& trackingNumber, const std::string& note) override;
  Result<ParcelDetails> parcel(const std::string& trackingNumber) override;
  Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                        const std::string& outcome) override;
  Result<void> untrack(const std::string& trackingNumber) override;

  /// A full history pushed by an aggregator: merged, detected and committed
  /// like a poll result. Returns only after the commit, so acknowledging the
  /// push afterwards can never lose it. not_found if the number is not tracked.
  Result<PollOutcome> acceptPush(std::string_view source, const std::string& trackingNumber,
                                 const CarrierSnapshot& snapshot);
  /// Kuaidi100 found the parcel's carrier code was wrong (autoCheck/comNew).
  Result<void> correctCarrier(const std::string& trackingNumber, const std::string& carrier);

 private:
  void schedule(std::int64_t parcelId, Timestamp due);
  void unschedule(std::int64_t parcelId);
  void tick();
  void armTicker();
  void dispatch();
  void startPoll(std::int64_t parcelId);
  void onResponse(std::int64_t parcelId, const std::shared_ptr<const CarrierCodec>& codec,
                  Result<HttpResponse> response);
  void startBatch(Parcel first, const std::shared_ptr<const CarrierCodec>& codec);
  void onBatchResponse(const std::map<std::string, std::int64_t>& idOf,
                       const std::shared_ptr<const CarrierCodec>& codec,
                       Result<HttpResponse> response);
  void settle(std::int64_t parcelId, const std::shared_ptr<const CarrierCodec>& codec,
              const Result<HttpResponse>& response, Result<CarrierSnapshot> snap);
  /// What one parcel's answer means: store it, register the number, or retry;
  /// returns the outcome it is counted under.
  std::string_view settleParcel(std::int64_t parcelId, const Result<Parcel>& parcel,
                                const CarrierCodec& codec, const Result<HttpResponse>& response,
                                Result<CarrierSnapshot> snap);
  void observeLatency(std::string_view carrier, const Result<HttpResponse>& response);
  void finishPoll(std::int64_t parcelId);
  /// Commit + alerts + rescheduling for one snapshot; shared by polls and pushes.
  Result<PollOutcome> applySnapshot(std::int64_t parcelId, const Parcel& parcel,
                                    std::string_view source, const CarrierSnapshot& snap,
                                    Timestamp now, bool noResult = false);
  void subscribe(const Parcel& parcel);
  void buildRegistry();
  /// Logs `line` unless lines with the same `key` keep repeating (LogLimiter).
  void limitedLog(std::string_view subsystem, spdlog::level::level_enum level,
                  const std::string& key, const std::string& line);
  void summarize();
  void emitPendingAlerts();
  /// Writes one alert line; false if it is kept for later (see AlertSink).
  bool emitAlert(const boost::json::object& record);
  void retryAlerts();
  void maybeDrained();

  boost::asio::io_context& io_;
  Store& store_;
  HttpClient& http_;
  const Clock& clock_;
  AlertSink& alerts_;
  std::shared_ptr<const Config> config_;
  CarrierRegistry registry_;
  boost::asio::steady_timer ticker_;
  boost::asio::steady_timer drain_timer_;

  std::multimap<Timestamp, std::int64_t> due_;
  std::unordered_map<std::int64_t, Timestamp> due_of_;
  std::set<std::int64_t> in_flight_;    // parcels whose answer is awaited
  std::size_t requests_in_flight_ = 0;  // HTTP requests open (a batch is one)
  std::set<std::int64_t> rerun_after_flight_;
  bool stopping_ = false;
  bool alert_backlog_ = false;
  AlertMarks awaiting_disk_;  // lines kept in memory, not yet written
  std::function<void()> drained_;
  PollCounters counters_;
  PollCounters summarized_;  // counters_ at the last POLL_SUMMARY
  std::chrono::steady_clock::time_point last_summary_ = std::chrono::steady_clock::now();
  LogLimiter limiter_;
  Timestamp started_at_;
};

}  // namespace pw
