#include "detection/rule_input.h"

#include "model/upu_s10.h"

#include <algorithm>

namespace pw {

Seconds effectiveThreshold(const RuleInput& in, Seconds base, Timestamp from) {
  Seconds t = base;
  double factor = 1.0;
  if (auto it = in.policy.province_factor.find(in.parcel.destination.province);
      it != in.policy.province_factor.end())
    factor *= it->second;
  if (auto it = in.policy.carrier_factor.find(in.parcel.carrier);
      it != in.policy.carrier_factor.end())
    factor *= it->second;
  t = Seconds(static_cast<long long>(static_cast<double>(t.count()) * factor));
  for (const auto& [a, b] : in.policy.holidays) {
    Timestamp lo = std::max(a, from), hi = std::min(b, std::max(in.now, from + t));
    if (hi > lo) t += hi - lo;
  }
  return t;
}

Seconds crossBorderGap(const RuleInput& in, Seconds base) {
  if (!isCrossBorder(in.parcel)) return base;
  return Seconds(
      static_cast<long long>(static_cast<double>(base.count()) * in.policy.cross_border_factor));
}

bool isCrossBorder(const Parcel& p) {
  return p.destination.abroad() || isValidS10(p.tracking_number);
}

const TrackingEvent* lastOf(const Timeline& t, std::initializer_list<EventKind> kinds) {
  for (auto it = t.rbegin(); it != t.rend(); ++it)
    for (auto k : kinds)
      if (it->kind == k) return &*it;
  return nullptr;
}

bool isDeliveryStage(EventKind k) {
  return k == EventKind::arrived_delivery_station || k == EventKind::out_for_delivery ||
         k == EventKind::stored_for_pickup || k == EventKind::signed_ ||
         k == EventKind::delivery_failed;
}

}  // namespace pw
