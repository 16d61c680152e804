#include "polling/parcel_view.h"

#include "model/parcel_stage.h"

namespace pw {

ParcelView makeParcelView(const Parcel& parcel, const Timeline& timeline, std::string aggregator) {
  ParcelView v;
  describeParcel(v, parcel, std::move(aggregator));
  describeTimeline(v, timeline);
  return v;
}

void describeParcel(ParcelView& v, const Parcel& parcel, std::string aggregator) {
  v.tracking_number = parcel.tracking_number;
  v.carrier = parcel.carrier;
  v.aggregator = std::move(aggregator);
  v.destination_province = parcel.destination.province;
  v.destination_city = parcel.destination.city;
  v.destination_country = parcel.destination.country;
  v.shipped_at = parcel.shipped_at;
  v.promised_by = parcel.promised_by;
}

void describeTimeline(ParcelView& v, const Timeline& timeline) {
  v.stage = stageOf(timeline);
  if (!timeline.empty()) {
    v.last_event_kind = timeline.back().kind;
    v.last_event_at = timeline.back().time;
  }
  for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
    if (!v.last_scan_at && isPhysicalScan(it->kind)) {
      v.last_scan_at = it->time;
      v.last_scan_city = it->place.city;
    }
    if (!v.stored_at &&
        (it->kind == EventKind::stored_for_pickup || it->kind == EventKind::signed_))
      v.stored_at = it->time;
  }
}

}  // namespace pw
