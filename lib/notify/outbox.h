#pragma once
// Where a sink's events come from and where their fate goes. The store's
// outbox table implements it (one row per alert event, written in the same
// transaction as the event, and per-sink delivery state beside it); tests and
// the benchmark use InMemoryOutbox. Calls are synchronous and short (an
// indexed SQLite read or one small transaction), made on the event loop.
#include "common/result.h"
#include "notify/alert_event.h"
#include "notify/notify_time.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pw::notify {

/// A sink's retry state for one event, kept so a restart neither forgets how
/// long the event has been failing nor retries it at once.
struct FailureRecord {
  int failures = 0;
  TimePoint first_failure;
  TimePoint retry_at;
  std::string error;
};

struct OutboxEntry {
  AlertEvent event;
  std::optional<FailureRecord> failure;  // none: never tried, or every try so far unrecorded
};

class OutboxReader {
 public:
  virtual ~OutboxReader() = default;
  /// Events with seq > afterSeq that `sink` has neither finished nor parked,
  /// by seq, at most `limit`.
  virtual Result<std::vector<OutboxEntry>> readAfter(std::string_view sink, std::int64_t afterSeq,
                                                     std::size_t limit) = 0;
  /// Finished for `sink`: delivered, or not wanted by its filters. One
  /// transaction for all of them (a digest carries several).
  virtual Result<void> markDelivered(std::string_view sink, std::span<const std::int64_t> seqs) = 0;
  virtual Result<void> recordFailure(std::string_view sink, std::int64_t seq,
                                     const FailureRecord& failure) = 0;
  /// Out of the flow until re-queued (`parcelwatchctl outbox retry SINK`).
  virtual Result<void> park(std::string_view sink, std::int64_t seq, std::string_view reason) = 0;
};

}  // namespace pw::notify
