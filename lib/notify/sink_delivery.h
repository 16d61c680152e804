#pragma once
// Delivers one sink's outbox events through the HttpClient seam (CurlHttpClient
// on the daemon's io_context), never blocking the event loop: every request is
// asynchronous, at most max_in_flight at once for this sink, and a slow or dead
// endpoint only makes this sink's own events wait.
//
// Guarantees, given an outbox that keeps what it is told:
//  - at least once on the wire: an event is marked finished only after the
//    platform accepted it, so a crash in between sends it again; webhook
//    receivers de-duplicate on X-Parcelwatch-Event-Id;
//  - in order per parcel: an event is not sent while an earlier event of the
//    same parcel (tracking number) is in flight or waiting to be retried;
//    parcels do not wait for each other;
//  - failures follow the sink's SinkPolicy (backoff with jitter, park after
//    retry_for, rate limits, digests).
// All methods, and the callbacks, run on the io_context's thread.
#include "common/http.h"
#include "notify/answer_classifier.h"
#include "notify/outbox.h"
#include "notify/sink_config.h"
#include "notify/sink_stats.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace pw::notify {

class SinkDelivery {
 public:
  SinkDelivery(boost::asio::io_context& io, HttpClient& http, OutboxReader& outbox,
               NotifySinkConfig config, const NotifyClock& clock, std::uint64_t seed);
  ~SinkDelivery();
  SinkDelivery(const SinkDelivery&) = delete;
  SinkDelivery& operator=(const SinkDelivery&) = delete;

  /// Reads what the outbox holds for this sink and starts delivering.
  void start();
  /// New events were committed. Cheap: calls in a burst are folded into one read.
  void wake();
  /// Parked events were re-queued: read the outbox from the beginning again.
  void rescan();
  /// No new requests, no more outbox writes; answers still in flight are
  /// ignored (their events stay unfinished and are sent again next start).
  void stop();

  /// Sends testEvent() now, outside the outbox and the retry schedule (the
  /// rate limit still counts it), and reports how the platform answered.
  void sendTest(std::function<void(Answer)> done);

  SinkStats stats() const;
  const NotifySinkConfig& config() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pw::notify
