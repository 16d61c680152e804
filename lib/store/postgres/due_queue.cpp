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
  d.quota.last_query_at = pg::optionalTime(r[5]);
  d.lease_until = pg::optionalTime(r[6]);
  if (!r[7].is_null()) d.quota.tokens = r[7].as<double>();
  d.quota.tokens_at = pg::optionalTime(r[8]);
  d.last_polled_at = pg::optionalTime(r[9]);
  return d;
}

/// The scheduler's view of the last scan (what the SQLite store reads with the due row).
void readLastEvent(DueParcel& d, const pqxx::row& r, int first) {
  d.last_event_at = pg::optionalTime(r[first]);
  if (!r[first + 1].is_null()) d.last_event_kind = eventKindFromString(r[first + 1].c_str());
}

}  // namespace

Result<std::vector<DueParcel>> PostgresStore::dueParcels(Timestamp now, int limit) {
  return guarded("list due parcels", [&]() -> Result<std::vector<DueParcel>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<DueParcel> out;
    for (const auto& row : tx.exec_params(
             "SELECT p.id, p.tracking_number, p.carrier, p.stage, p.next_poll_at, "
             "p.last_query_at, p.lease_until, p.quota_tokens, p.quota_at, p.last_polled_at, "
             "l.time, l.kind FROM parcels p LEFT JOIN LATERAL (SELECT e.time, e.kind FROM "
             "events e WHERE e.parcel_id = p.id ORDER BY e.time DESC, e.id DESC LIMIT 1) l "
             "ON true WHERE p.next_poll_at <= $1 "
             "AND (p.lease_until IS NULL OR p.lease_until <= $1) "
             "ORDER BY p.next_poll_at, p.id LIMIT $2",
             secs(now), limit)) {
      out.push_back(readDue(row));
      readLastEvent(out.back(), row, 10);
    }
    return out;
  });
}

Result<std::optional<Timestamp>> PostgresStore::nextDue() {
  return guarded("read next due", [&]() -> Result<std::optional<Timestamp>> {
    pqxx::read_transaction tx(*conn_);
    return pg::optionalTime(
        tx.exec1("SELECT min(next_poll_at) FROM parcels WHERE next_poll_at IS NOT NULL")[0]);
  });
}

Result<void> PostgresStore::setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at) {
  return guarded("schedule poll", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    auto r =
        tx.exec_params("UPDATE parcels SET next_poll_at = $2 WHERE id = $1", parcelId, secs(at));
    if (r.affected_rows() != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    tx.commit();
    return {};
  });
}

Result<void> PostgresStore::recordQuery(std::int64_t parcelId, Timestamp at, double tokens) {
  return guarded("record query", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    auto r = tx.exec_params(
        "UPDATE parcels SET last_query_at = $2, quota_tokens = $3, quota_at = $2 WHERE id = $1",
        parcelId, secs(at), tokens);
    if (r.affected_rows() != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    tx.commit();
    return {};
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
