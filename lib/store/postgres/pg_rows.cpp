#include "store/postgres/pg_rows.h"

#include <pqxx/field>

namespace pw::pg {

namespace {

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }

}  // namespace

std::optional<Timestamp> optionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return fromSecs(f.as<std::int64_t>());
}

std::string bigintArray(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

Parcel readParcel(const pqxx::row& r) {
  Parcel p;
  p.id = r[0].as<std::int64_t>();
  p.tracking_number = text(r[1]);
  p.carrier = text(r[2]);
  p.destination = {text(r[3]), text(r[4]), text(r[5]), text(r[6]), text(r[13])};
  p.shipped_at = fromSecs(r[7].as<std::int64_t>());
  p.promised_by = optionalTime(r[8]);
  if (!r[9].is_null()) p.order_value = r[9].as<double>();
  if (!r[10].is_null()) p.buyer_id = text(r[10]);
  if (!r[11].is_null()) p.phone = text(r[11]);
  p.stage = parcelStageFromString(text(r[12])).value_or(ParcelStage::in_transit);
  return p;
}

TrackingEvent readEvent(const pqxx::row& r, int first) {
  auto col = [&](int i) -> const pqxx::field { return r[first + i]; };
  TrackingEvent e;
  e.time = fromSecs(col(0).as<std::int64_t>());
  e.local_time = text(col(1));
  e.description = text(col(2));
  e.location = text(col(3));
  e.kind = eventKindFromString(text(col(4))).value_or(EventKind::unknown);
  e.carrier_status = text(col(5));
  e.reason = eventReasonFromString(text(col(6))).value_or(EventReason::none);
  e.signer_type = signerTypeFromString(text(col(7))).value_or(SignerType::none);
  e.signer = text(col(8));
  e.place = {text(col(9)), text(col(10)), text(col(11))};
  return e;
}

NotificationTask readTask(const pqxx::row& r) {
  NotificationTask t;
  t.id = r[0].as<std::int64_t>();
  t.exception_id = r[1].as<std::int64_t>();
  t.tracking_number = text(r[2]);
  t.carrier = text(r[3]);
  t.kind = exceptionKindFromString(text(r[4])).value_or(ExceptionKind::problem);
  t.suggestion.remedy = remedyFromString(text(r[5])).value_or(Remedy::manual_review);
  t.suggestion.reason = text(r[6]);
  t.message = {text(r[7]), text(r[8])};
  t.state = taskStateFromString(text(r[9])).value_or(TaskState::open);
  t.created_at = fromSecs(r[10].as<std::int64_t>());
  t.detail = text(r[11]);
  return t;
}

ParcelException readException(const pqxx::row& r) {
  ParcelException e;
  e.id = r[0].as<std::int64_t>();
  e.parcel_id = r[1].as<std::int64_t>();
  e.finding.kind = exceptionKindFromString(text(r[2])).value_or(ExceptionKind::problem);
  e.finding.since = fromSecs(r[3].as<std::int64_t>());
  e.finding.threshold = Seconds(r[4].as<std::int64_t>());
  e.finding.elapsed = Seconds(r[5].as<std::int64_t>());
  e.finding.detail = text(r[6]);
  e.opened_at = fromSecs(r[7].as<std::int64_t>());
  e.resolved_at = optionalTime(r[8]);
  e.open = !e.resolved_at.has_value();
  return e;
}

}  // namespace pw::pg
