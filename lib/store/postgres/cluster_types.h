#pragma once
// Requests and answers of the store operations the scale work adds (batched commits, the due
// queue, leases, nodes, the outbox). They live here until the store interface is extracted and
// both backends share one copy; the shapes follow the SQLite store's CommitRequest.
#include "common/clock.h"
#include "model/assessment.h"
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pw {

/// Kuaidi100 counts queries per number: never two within 30 minutes, never more than 48 in 24
/// hours. One gap of 30.5 minutes between queries keeps both (24 h / 30.5 min < 48), so the
/// claim only has to check the last query's time.
inline constexpr Seconds kKuaidi100MinGap{30 * 60 + 30};

/// One poll or push result to commit: commitPoll's arguments and when to poll next.
struct CommitRequest {
  using AssessFn = std::function<Assessment(const Parcel&, const Timeline&)>;

  std::int64_t parcel_id = 0;
  std::vector<TrackingEvent> events;
  std::string carrier_state;
  Timestamp now;
  AssessFn assess;
  /// When the parcel is due again; empty keeps the stored time (a push that changes nothing
  /// about the schedule). A final stage always leaves the queue.
  std::optional<Timestamp> next_poll_at;
  /// When the carrier was queried for this result; empty for a push (no query was spent).
  std::optional<Timestamp> queried_at;
  /// The node whose lease this result ends. A commit only clears its own node's lease, so a late
  /// result from a node whose lease expired cannot free a parcel another node holds now.
  std::string node;
};

/// A parcel in the due queue (or just claimed from it).
struct DueParcel {
  std::int64_t parcel_id = 0;
  std::string tracking_number;
  std::string carrier;
  ParcelStage stage = ParcelStage::awaiting_pickup;
  Timestamp next_poll_at;
  std::optional<Timestamp> last_query_at;
  std::optional<Timestamp> lease_until;  // set on claimed parcels
};

struct ClaimRequest {
  std::string node;
  Timestamp now;
  int limit = 64;
  /// How long the claim is this node's; a node that dies frees its parcels after this.
  Seconds lease{std::chrono::minutes(2)};
  /// No parcel whose number was queried less than this long ago is claimed, on any node.
  Seconds min_gap = kKuaidi100MinGap;
};

/// A node as its heartbeats show it.
struct NodeInfo {
  std::string name;
  Timestamp started_at;
  Timestamp last_heartbeat;
  std::int64_t leases_held = 0;  // unexpired leases
};

/// One alert event as committed, in the alert-log line format.
struct OutboxEntry {
  std::int64_t seq = 0;
  Timestamp at;
  std::string event;
  std::string payload;  // one JSON object, the alert-log line
};

}  // namespace pw
