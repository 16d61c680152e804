#include "polling/cluster_leases.h"

#include "common/log.h"

#include <spdlog/spdlog.h>

namespace pw {

namespace {
std::shared_ptr<spdlog::logger> logger() { return subsystemLogger("cluster"); }
}  // namespace

ClusterLeases::ClusterLeases(SharedQueue& queue, Store& store, Scheduler& scheduler,
                             const Clock& clock)
    : queue_(queue), store_(store), scheduler_(scheduler), clock_(clock) {}

std::size_t ClusterLeases::claim(std::size_t n, const AggregatorOf& aggregatorOf) {
  if (n == 0) return 0;
  Timestamp now = clock_.now();
  ClaimRequest req;
  req.node = settings_.node;
  req.now = now;
  req.limit = static_cast<int>(n);
  req.lease = settings_.lease;
  req.min_gap = settings_.min_gap;
  auto claimed = queue_.claimDue(req);
  if (!claimed) {
    logger()->error("CLAIM_FAILED node={} error=\"{}\"", settings_.node, claimed.error().message);
    return 0;
  }
  for (const auto& d : *claimed) {
    auto parcel = store_.parcel(d.parcel_id);
    auto timeline = parcel ? store_.timeline(d.parcel_id) : Result<Timeline>(parcel.error());
    if (!parcel || !timeline) {
      // Left to its lease: due again when it ends, here or elsewhere.
      logger()->error("PARCEL_LOAD_FAILED parcel_id={} error=\"{}\"", d.parcel_id,
                      (!parcel ? parcel.error() : timeline.error()).message);
      continue;
    }
    ParcelView v = makeParcelView(*parcel, *timeline, aggregatorOf(*parcel));
    v.stage = parcel->stage;
    v.last_polled_at = d.last_polled_at;
    held_[d.parcel_id] = parcel->tracking_number;
    scheduler_.update(v);
    scheduler_.dueNow(parcel->tracking_number);
  }
  return claimed->size();
}

void ClusterLeases::releaseDeferred(Seconds slack) {
  Timestamp now = clock_.now();
  std::vector<std::pair<std::int64_t, Timestamp>> back;
  for (const auto& [id, tn] : held_) {
    auto plan = scheduler_.planOf(tn);
    if (!plan) {
      back.emplace_back(id, now);
    } else if (plan->due > now + slack && !scheduler_.inFlight(tn)) {
      back.emplace_back(id, plan->due);
    }
  }
  for (const auto& [id, due] : back) release(id, due);
}

void ClusterLeases::sending(const std::vector<DuePoll>& picked) {
  // Only parcels in hand are ever picked: their ids are here, no lookup needed.
  std::vector<std::int64_t> parcelIds;
  for (const auto& [id, tn] : held_)
    for (const auto& d : picked)
      if (d.tracking_number == tn) parcelIds.push_back(id);
  if (parcelIds.empty()) return;
  if (auto r = queue_.markQueried(settings_.node, parcelIds, clock_.now()); !r)
    logger()->error("MARK_QUERIED_FAILED node={} parcels={} error=\"{}\"", settings_.node,
                    parcelIds.size(), r.error().message);
}

void ClusterLeases::committed(std::int64_t parcelId) {
  auto it = held_.find(parcelId);
  if (it == held_.end()) return;
  scheduler_.remove(it->second);
  held_.erase(it);
}

void ClusterLeases::failed(std::int64_t parcelId, const std::string& error, bool queried) {
  auto it = held_.find(parcelId);
  if (it == held_.end()) return;
  Timestamp now = clock_.now();
  auto plan = scheduler_.planOf(it->second);
  std::optional<Timestamp> next = plan ? std::optional<Timestamp>(plan->due) : std::nullopt;
  std::optional<Timestamp> queriedAt = queried ? std::optional<Timestamp>(now) : std::nullopt;
  if (auto r = queue_.recordPollFailure(parcelId, now, error, next, queriedAt, settings_.node); !r)
    logger()->error("STORE_WRITE_FAILED parcel={} error=\"{}\"", it->second, r.error().message);
  scheduler_.remove(it->second);
  held_.erase(it);
}

void ClusterLeases::settle(std::int64_t parcelId) {
  auto it = held_.find(parcelId);
  if (it == held_.end()) return;
  auto plan = scheduler_.planOf(it->second);
  release(parcelId, plan ? plan->due : clock_.now());
}

void ClusterLeases::releaseAll() {
  std::vector<std::int64_t> ids;
  for (const auto& [id, tn] : held_) {
    ids.push_back(id);
    scheduler_.remove(tn);
  }
  held_.clear();
  if (ids.empty()) return;
  auto r = queue_.releaseLease(settings_.node, ids, clock_.now());
  if (!r)
    logger()->warn(
        "RELEASE_FAILED node={} parcels={} error=\"{}\": due again when their leases end",
        settings_.node, ids.size(), r.error().message);
  else
    logger()->info("LEASES_RELEASED node={} parcels={}", settings_.node, *r);
}

void ClusterLeases::release(std::int64_t parcelId, Timestamp dueAt) {
  auto it = held_.find(parcelId);
  if (it == held_.end()) return;
  if (auto r = queue_.releaseLease(settings_.node, {parcelId}, dueAt); !r)
    logger()->warn("RELEASE_FAILED parcel={} error=\"{}\": due again when its lease ends",
                   it->second, r.error().message);
  scheduler_.remove(it->second);
  held_.erase(it);
}

}  // namespace pw
