#pragma once
// What a store shared by several nodes adds to the Store: the due queue with
// leases, and the nodes' heartbeats. PostgresStore implements it; SQLite (one
// daemon per file) does not, and Store::sharedQueue() is then null.
#include "common/result.h"
#include "store/postgres/cluster_types.h"
#include "store/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pw {

class SharedQueue {
 public:
  virtual ~SharedQueue() = default;

  /// Takes up to `limit` due parcels for the node, each with a lease: rows
  /// other nodes are claiming are skipped, a number queried within `min_gap`
  /// (by any node) is left alone, and a parcel whose node dies is due again
  /// when its lease ends.
  virtual Result<std::vector<DueParcel>> claimDue(const ClaimRequest& request) = 0;
  /// The node is about to query these numbers (call it just before sending).
  virtual Result<void> markQueried(const std::string& node,
                                   const std::vector<std::int64_t>& parcelIds, Timestamp now) = 0;
  /// Gives leases back without a result: the parcels are due again at `dueAt`.
  virtual Result<int> releaseLease(const std::string& node,
                                   const std::vector<std::int64_t>& parcelIds, Timestamp dueAt) = 0;
  /// A failed poll: ends the node's lease, moves the parcel to `nextPollAt`
  /// and records `queriedAt` (a timed-out query may still have counted).
  virtual Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now,
                                         const std::string& error,
                                         std::optional<Timestamp> nextPollAt,
                                         std::optional<Timestamp> queriedAt,
                                         const std::string& node) = 0;
  /// The node is alive; `startedAt` on its first heartbeat after a start.
  virtual Result<void> heartbeat(const std::string& node, Timestamp now,
                                 std::optional<Timestamp> startedAt = std::nullopt) = 0;
  /// Nodes whose last heartbeat is within `within` of `now`, with their leases.
  virtual Result<std::vector<NodeInfo>> liveNodes(Timestamp now, Seconds within) = 0;
};

}  // namespace pw
