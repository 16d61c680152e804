#pragma once
// The daemon's notification side: one SinkDelivery per configured sink over
// the store's outbox, on the daemon's event loop and its own HTTP client (so
// a slow endpoint never takes a polling slot). It wakes the sinks when alert
// events were committed and once a second anyway (events committed by a
// path that does not announce them), and prunes the outbox a page a minute.
#include "notify/sink_delivery.h"
#include "notify/store_outbox.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pw::notify {

/// The outcome of one `notify-test`, kept until the next one for that sink.
struct TestResult {
  std::uint64_t id = 0;
  bool done = false;
  Answer answer;
};

class NotifyService {
 public:
  NotifyService(boost::asio::io_context& io, Store& store, HttpClient& http,
                std::vector<NotifySinkConfig> sinks, const NotifyClock& clock);
  ~NotifyService();
  NotifyService(const NotifyService&) = delete;
  NotifyService& operator=(const NotifyService&) = delete;

  /// Registers the sinks in the outbox (forgetting removed ones) and starts delivering.
  Result<void> start();
  void stop();
  /// Alert events were committed: the sinks read the outbox soon (folded per turn).
  void wake();

  bool has(std::string_view sink) const;
  std::vector<SinkStats> stats() const;
  /// Re-queues a sink's parked events; how many.
  Result<std::int64_t> retry(std::string_view sink);
  /// Starts a test send; its result shows in testResult() once done.
  Result<std::uint64_t> sendTest(std::string_view sink);
  std::optional<TestResult> testResult(std::string_view sink) const;

  /// The outbox per sink (backlog, failing, parked), and parked events ("" = every sink).
  Result<std::vector<OutboxSinkSummary>> summary() { return store_.outboxSummary(); }
  Result<std::vector<ParkedEvent>> parked(std::string_view sink, int limit) {
    return store_.outboxParked(sink, limit);
  }

  /// Per sink: delivered/failed/parked counts and latency (for `stats`).
  boost::json::object statsJson() const;
  /// parcelwatch_notify_* in Prometheus text format.
  std::string prometheusText() const;

  /// How long alert events stay in the outbox after every sink has them
  /// (store.outbox_retention: `follow --from SEQ` resumes within it).
  void setRetention(std::chrono::seconds retention) { retention_ = retention; }

 private:
  void armTick();
  Timestamp pruneBefore() const {
    return std::chrono::floor<std::chrono::seconds>(clock_.now()) - retention_;
  }

  boost::asio::io_context& io_;
  Store& store_;
  HttpClient& http_;
  StoreOutbox outbox_;
  const NotifyClock& clock_;
  std::vector<NotifySinkConfig> configs_;
  std::map<std::string, std::unique_ptr<SinkDelivery>, std::less<>> sinks_;
  std::map<std::string, TestResult, std::less<>> tests_;
  std::uint64_t next_test_ = 1;
  boost::asio::steady_timer tick_;
  int ticks_ = 0;
  std::chrono::seconds retention_{std::chrono::hours(24 * 7)};
  bool wake_posted_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pw::notify
