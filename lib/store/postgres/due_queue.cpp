#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

#include <pqxx/pqxx>

#include <algorithm>

namespace pw {

using pg::guarded;
using pg::secs;

namespace {

DueParcel readDue(const pqxx::row& r) {
  DueParcel d;
  d.parcel_id = r[0].as<std::int64_t>();
  d.tracking_number = r[1].c_str();
  d.carrier = r[2].c_str();
  d.stage = parcelStageFromString(r[3].c_str()).value_or(ParcelStage::in_transit);
  d.next_poll_at = pg::fromSecs(r[4].as<std::int64_t>());
  d.last_query_at = pg::optionalTime(r[5]);
  d.lease_until = pg::optionalTime(r[6]);
  return d;
}

}  // namespace

Result<std::vector<DueParcel>> PostgresStore::dueParcels(Timestamp now, int limit) {
  return guarded("list due parcels", [&]() -> Result<std::vector<DueParcel>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<DueParcel> out;
    for (const auto& row : tx.exec_params(
             "SELECT id, tracking_number, carrier, stage, next_poll_at, last_query_at, "
             "lease_until FROM parcels WHERE next_poll_at <= $1 "
             "AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_poll_at, id LIMIT $2",
             secs(now), limit))
      out.push_back(readDue(row));
    return out;
  });
}

Result<std::vector<DueParcel>> PostgresStore::claimDue(const ClaimRequest& req) {
  return guarded("claim due parcels", [&]() -> Result<std::vector<DueParcel>> {
    pqxx::work tx(*conn_);
    std::vector<DueParcel> out;
    for (const auto& row : tx.exec_prepared("pw_claim", req.node, secs(req.now), req.limit,
                                            static_cast<std::int64_t>(req.lease.count()),
                                            static_cast<std::int64_t>(req.min_gap.count())))
      out.push_back(readDue(row));
    tx.commit();
    // RETURNING follows no order; the caller gets the queue's.
    std::sort(out.begin(), out.end(),
              [](const DueParcel& a, const DueParcel& b) { return a.parcel_id < b.parcel_id; });
    return out;
  });
}

Result<void> PostgresStore::markQueried(const std::string& node,
                                        const std::vector<std::int64_t>& parcelIds, Timestamp now) {
  return guarded("mark queried", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_prepared("pw_mark_queried", node, pg::bigintArray(parcelIds), secs(now));
    tx.commit();
    return {};
  });
}

Result<int> PostgresStore::releaseLease(const std::string& node,
                                        const std::vector<std::int64_t>& parcelIds, Timestamp now) {
  return guarded("release leases", [&]() -> Result<int> {
    pqxx::work tx(*conn_);
    auto r = tx.exec_prepared("pw_release", node, pg::bigintArray(parcelIds), secs(now));
    tx.commit();
    return static_cast<int>(r.affected_rows());
  });
}

}  // namespace pw
