#pragma once
// A sink's figures since start-up, for `parcelwatchctl stats` and /metrics
// (parcelwatch_notify_*{sink=...}). Histograms are per bucket, made
// cumulative when rendered, as polling's request histogram is.
#include "notify/notify_time.h"
#include "notify/sink_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pw::notify {

struct Histogram {
  explicit Histogram(std::vector<double> boundsSeconds)
      : bounds(std::move(boundsSeconds)), buckets(bounds.size(), 0) {}
  std::vector<double> bounds;
  std::vector<std::uint64_t> buckets;
  std::uint64_t count = 0;
  double sum = 0;
  double max = 0;
  void observe(double seconds);
};

struct SinkStats {
  std::string sink;
  SinkType type = SinkType::webhook;
  std::uint64_t delivered = 0;        // events the platform accepted
  std::uint64_t failed_attempts = 0;  // events in messages that failed (each try counts)
  std::uint64_t parked = 0;
  std::uint64_t filtered = 0;      // finished without sending: not wanted by events/kinds
  std::uint64_t messages = 0;      // HTTP requests sent
  std::uint64_t digests = 0;       // of which digests
  std::uint64_t rate_limited = 0;  // answers that said so
  std::uint64_t outbox_errors = 0;
  std::size_t pending = 0;  // in memory, waiting or in flight
  std::size_t in_flight = 0;
  Histogram request_seconds{{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
  /// From the event's commit to the platform's acceptance.
  Histogram delivery_lag_seconds{{0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21600, 86400}};
  std::string last_error;
  std::optional<TimePoint> last_delivered_at;
};

}  // namespace pw::notify
