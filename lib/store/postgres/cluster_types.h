#pragma once
// Requests and answers of the operations only a shared database has (the due queue's leases,
// nodes, the outbox). CommitRequest and DueParcel are the store's own (store/store.h).
#include "common/clock.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace pw {

/// Kuaidi100 counts queries per number: never two within 30 minutes, never more than 48 in 24
/// hours. One gap of 30.5 minutes between queries keeps both (24 h / 30.5 min < 48), so the
/// claim only has to check the last query's time.
inline constexpr Seconds kKuaidi100MinGap{30 * 60 + 30};

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

}  // namespace pw
