#pragma once
// A node's side of the due queue several nodes share (store.backend =
// "postgres"). The database decides which node polls which parcel: the loop
// claims due parcels with a lease, the Scheduler then applies this node's
// rules to them (breaker, backoff, rate, budget) as it does on a single node,
// and every claimed parcel leaves this node's hands in one of three ways: its
// result commits with its next due time (the commit ends the lease), its
// failure is recorded with its retry time, or the lease is given back with
// the time it may go. The Scheduler holds only the parcels in hand, so a node
// never polls a parcel it did not claim.
#include "common/clock.h"
#include "polling/parcel_view.h"
#include "polling/scheduler.h"
#include "store/shared_queue.h"
#include "store/store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pw {

struct LeaseSettings {
  std::string node;
  Seconds lease{60};
  /// No number queried this recently by any node is claimed (the largest
  /// per-number gap among the enabled aggregators).
  Seconds min_gap{0};
};

class ClusterLeases {
 public:
  using AggregatorOf = std::function<std::string(const Parcel&)>;

  ClusterLeases(SharedQueue& queue, Store& store, Scheduler& scheduler, const Clock& clock);

  void configure(LeaseSettings settings) { settings_ = std::move(settings); }
  const LeaseSettings& settings() const { return settings_; }

  /// Claims up to `n` due parcels and hands them to the Scheduler, due now.
  /// Returns how many were claimed (fewer than `n`: the queue has no more due now).
  std::size_t claim(std::size_t n, const AggregatorOf& aggregatorOf);
  /// After the Scheduler picked what goes now: parcels it deferred for longer
  /// than `slack` go back to the queue at the time they may go, for any node.
  void releaseDeferred(Seconds slack);
  /// These numbers are about to be queried: the per-number gap then holds on
  /// every node even if this one dies before the answer.
  void sending(const std::vector<DuePoll>& picked);
  /// The result committed with its next due time: the lease is over.
  void committed(std::int64_t parcelId);
  /// The poll failed: the failure, the retry time the Scheduler planned and
  /// the query go to the database, which ends the lease.
  void failed(std::int64_t parcelId, const std::string& error, bool queried);
  /// The poll ended without either (the parcel was untracked, a store error):
  /// the lease goes back with the Scheduler's plan, or now.
  void settle(std::int64_t parcelId);
  /// Stopping: every parcel in hand goes back, due now.
  void releaseAll();

  bool holds(std::int64_t parcelId) const { return held_.count(parcelId) > 0; }
  /// The same by number (a push names only that); the leases are few.
  bool holdsNumber(const std::string& trackingNumber) const {
    for (const auto& [id, number] : held_)
      if (number == trackingNumber) return true;
    return false;
  }
  std::size_t held() const { return held_.size(); }

 private:
  void release(std::int64_t parcelId, Timestamp dueAt);

  SharedQueue& queue_;
  Store& store_;
  Scheduler& scheduler_;
  const Clock& clock_;
  LeaseSettings settings_;
  std::map<std::int64_t, std::string> held_;  // parcel id -> tracking number
};

}  // namespace pw
