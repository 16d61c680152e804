#pragma once
// The fetch side of the daemon: asks the Scheduler which parcels are due,
// queries their aggregators through the HttpClient (17TRACK's due parcels
// share a request), turns each answer into an outcome the Scheduler learns
// from (success, a number the carrier does not know, a failure that backs
// off or opens the aggregator's breaker) and hands good answers to the
// ResultPipeline. Everything runs on the io_context's thread but the decoding
// of answers, which the HttpClient does where the answer arrived (its own
// thread in the daemon); no step does work proportional to the number of
// parcels.
#include "carriers/carrier_registry.h"
#include "common/clock.h"
#include "common/http.h"
#include "common/log.h"
#include "config/config.h"
#include "polling/cluster_leases.h"
#include "polling/result_pipeline.h"
#include "polling/scheduler.h"
#include "polling/service_api.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace pw {

class PollLoop {
 public:
  PollLoop(boost::asio::io_context& io, Store& store, HttpClient& http, const Clock& clock,
           ResultPipeline& pipeline, Scheduler& scheduler, PollCounters& counters,
           LogLimiter& limiter, std::shared_ptr<const Config> config);

  /// Loads the active parcels into the schedule a page per turn of the loop
  /// (a million parcels never delay READY or the control socket), then polls.
  void start();
  /// Stops starting polls; `drained` runs once in-flight polls finished or,
  /// after `grace`, were abandoned.
  void stop(std::chrono::milliseconds grace, std::function<void()> drained);
  void reconfigure(std::shared_ptr<const Config> config);

  /// Starts the polls that are due and allowed, as far as slots are free.
  void dispatch();
  /// Posts a dispatch() (after something became due).
  void kick();

  /// The aggregator that serves a parcel now ("" when none is enabled).
  std::string aggregatorOf(const Parcel& parcel) const;
  const CarrierRegistry& registry() const { return registry_; }

  /// An operator's rerun of these parcels: each goes as soon as the carrier's
  /// rules allow (a query in flight is followed by another).
  RerunReport rerun(const std::vector<Parcel>& parcels);
  void forget(const Parcel& parcel);

  bool idle() const;
  bool loading() const { return loading_; }
  /// On a shared database: this node's leases (null on SQLite).
  const ClusterLeases* leases() const { return leases_ ? &*leases_ : nullptr; }
  /// New parcels are due: claim again without waiting for the next tick.
  void claimSoon() { claim_idle_ = false; }
  /// The tick: a shared queue that had nothing due is asked again.
  void tick() {
    claim_idle_ = false;
    dispatch();
  }
  std::size_t inFlight() const { return in_flight_.size(); }

 private:
  void buildRegistry();
  LeaseSettings leaseSettings() const;
  /// Shared queue: claims what the free slots can take.
  void claimDue(std::size_t slots);
  void loadPage(std::int64_t afterId, std::size_t loaded, Timestamp startedAt);
  /// The parcels of one batched request, by number.
  using Batch = std::map<std::string, std::shared_ptr<const Parcel>>;
  void startPoll(std::shared_ptr<const Parcel> parcel,
                 const std::shared_ptr<const CarrierCodec>& codec);
  void startBatch(std::vector<Parcel> batch, const std::shared_ptr<const CarrierCodec>& codec);
  void onResponse(const std::shared_ptr<const Parcel>& parcel,
                  const std::shared_ptr<const CarrierCodec>& codec, Result<HttpResponse> response,
                  Result<CarrierSnapshot> snap);
  void onBatchResponse(const Batch& byNumber, const std::shared_ptr<const CarrierCodec>& codec,
                       Result<HttpResponse> response, Result<CarrierCodec::BatchResults> batch);
  void settleBatch(const Batch& byNumber, const std::shared_ptr<const CarrierCodec>& codec,
                   const Result<HttpResponse>& response, Result<CarrierCodec::BatchResults> batch);
  void settle(const Parcel& parcel, const std::shared_ptr<const CarrierCodec>& codec,
              const Result<HttpResponse>& response, Result<CarrierSnapshot> snap);
  /// What one parcel's answer means. The outcome of a poll ("ok", "http_error", ...) for the
  /// counters, given to `finish` once it is known: at once for a failure, after the commit for an
  /// answer (it goes through the group commit); empty for a parcel untracked while its query was
  /// out, which counts as no poll.
  using Finish = std::function<void(std::string_view outcome)>;
  void settleParcel(const Parcel& parcel, const CarrierCodec& codec,
                    const Result<HttpResponse>& response, Result<CarrierSnapshot> snap,
                    Finish finish);
  void observeLatency(std::string_view carrier, const Result<HttpResponse>& response);
  void finishPoll(std::int64_t parcelId, const std::string& trackingNumber);
  void maybeDrained();
  void limitedLog(std::string_view subsystem, spdlog::level::level_enum level,
                  const std::string& key, const std::string& line);

  boost::asio::io_context& io_;
  Store& store_;
  HttpClient& http_;
  const Clock& clock_;
  ResultPipeline& pipeline_;
  Scheduler& scheduler_;
  PollCounters& counters_;
  LogLimiter& limiter_;
  std::shared_ptr<const Config> config_;
  CarrierRegistry registry_;
  boost::asio::steady_timer drain_timer_;

  std::set<std::int64_t> in_flight_;    // parcels whose answer is awaited
  std::size_t requests_in_flight_ = 0;  // HTTP requests open (a batch is one)
  // Answers not yet told (being decoded, or waiting for the group commit). A
  // query's slot frees once its answer arrived, so the next query overlaps
  // the decode and the commit; this bounds what the decoders and the writer
  // have queued.
  std::size_t committing_ = 0;
  std::size_t maxCommitting() const {
    return std::max<std::size_t>(128, 4 * static_cast<std::size_t>(config_->poll.max_in_flight));
  }
  std::set<std::string> rerun_after_flight_;
  bool stopping_ = false;
  bool loading_ = false;
  bool kicked_ = false;
  std::function<void()> drained_;
  std::optional<ClusterLeases> leases_;  // a shared queue (PostgreSQL): claim before polling
  bool claim_idle_ = false;              // the last claim found fewer due parcels than asked
};

}  // namespace pw
