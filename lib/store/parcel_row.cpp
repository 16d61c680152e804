#include "store/parcel_row.h"

#include "store/raw_statement.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

namespace {
Timestamp fromSecs(std::int64_t s) { return Timestamp(Seconds(s)); }
}  // namespace

const char* const kParcelColumns =
    "id, tracking_number, carrier, province, city, district, address, shipped_at, promised_by, "
    "order_value, buyer_id, phone, stage, country";

namespace {

// SQLiteCpp's statement read as a RawStatement is.
struct ColumnReader {
  SQLite::Statement& st;
  bool isNull(int i) const { return st.isColumnNull(i); }
  std::int64_t int64(int i) const { return st.getColumn(i).getInt64(); }
  double real(int i) const { return st.getColumn(i).getDouble(); }
  std::string string(int i) const { return st.getColumn(i).getString(); }
};

template <class Row>
Parcel parcelFrom(const Row& r) {
  Parcel p;
  p.id = r.int64(0);
  p.tracking_number = r.string(1);
  p.carrier = r.string(2);
  p.destination = {r.string(3), r.string(4), r.string(5), r.string(6), r.string(13)};
  p.shipped_at = fromSecs(r.int64(7));
  if (!r.isNull(8)) p.promised_by = fromSecs(r.int64(8));
  if (!r.isNull(9)) p.order_value = r.real(9);
  if (!r.isNull(10)) p.buyer_id = r.string(10);
  if (!r.isNull(11)) p.phone = r.string(11);
  p.stage = parcelStageFromString(r.string(12)).value_or(ParcelStage::in_transit);
  return p;
}

}  // namespace

Parcel readParcel(SQLite::Statement& st) { return parcelFrom(ColumnReader{st}); }
Parcel readParcel(const RawStatement& st) { return parcelFrom(st); }

}  // namespace pw::store
