#pragma once
// Column lists and the readers that turn result rows into model types; one spelling of each
// column order, shared by every query that selects it.
#include "common/clock.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "model/tracking_event.h"

#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pw::pg {

inline std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp fromSecs(std::int64_t s) { return Timestamp(Seconds(s)); }
inline std::optional<std::int64_t> secs(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return secs(*t);
}
std::optional<Timestamp> optionalTime(const pqxx::field& f);

/// `{1,2,3}`: a bigint[] parameter (libpqxx 6 does not convert containers).
std::string bigintArray(const std::vector<std::int64_t>& ids);

inline constexpr const char* kParcelColumns =
    "p.id, p.tracking_number, p.carrier, p.province, p.city, p.district, p.address, "
    "p.shipped_at, p.promised_by, p.order_value, p.buyer_id, p.phone, p.stage, p.country";
Parcel readParcel(const pqxx::row& r);

/// The event columns after `id`, in TrackingEvent's order.
inline constexpr const char* kEventColumns =
    "time, local_time, description, location, kind, carrier_status, reason, signer_type, signer, "
    "province, city, district";
/// Reads kEventColumns starting at column `first`.
TrackingEvent readEvent(const pqxx::row& r, int first = 0);

inline constexpr const char* kTaskColumns =
    "t.id, t.exception_id, p.tracking_number, p.carrier, t.kind, t.remedy, t.reason, "
    "t.message_zh, t.message_en, t.state, t.created_at, t.detail";
NotificationTask readTask(const pqxx::row& r);

inline constexpr const char* kExceptionColumns =
    "e.id, e.parcel_id, e.kind, e.since, e.threshold, e.elapsed, e.detail, e.opened_at, "
    "e.resolved_at";
ParcelException readException(const pqxx::row& r);

}  // namespace pw::pg
