#include "store/parcel_row.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

namespace {
Timestamp fromSecs(std::int64_t s) { return Timestamp(Seconds(s)); }
}  // namespace

const char* const kParcelColumns =
    "id, tracking_number, carrier, province, city, district, address, shipped_at, promised_by, "
    "order_value, buyer_id, phone, stage, country";

Parcel readParcel(SQLite::Statement& st) {
  Parcel p;
  p.id = st.getColumn(0).getInt64();
  p.tracking_number = st.getColumn(1).getString();
  p.carrier = st.getColumn(2).getString();
  p.destination = {st.getColumn(3).getString(), st.getColumn(4).getString(),
                   st.getColumn(5).getString(), st.getColumn(6).getString(),
                   st.getColumn(13).getString()};
  p.shipped_at = fromSecs(st.getColumn(7).getInt64());
  if (!st.getColumn(8).isNull()) p.promised_by = fromSecs(st.getColumn(8).getInt64());
  if (!st.getColumn(9).isNull()) p.order_value = st.getColumn(9).getDouble();
  if (!st.getColumn(10).isNull()) p.buyer_id = st.getColumn(10).getString();
  if (!st.getColumn(11).isNull()) p.phone = st.getColumn(11).getString();
  p.stage = parcelStageFromString(st.getColumn(12).getString()).value_or(ParcelStage::in_transit);
  return p;
}

}  // namespace pw::store
