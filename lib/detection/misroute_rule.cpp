// `misrouted`: the carrier says 错分/超区; a delivery-stage scan (arrival at the
// delivering branch, out for delivery, storage, signature) happens in a city
// other than the destination's; or the parcel, having reached the
// destination city from elsewhere, leaves it again before any delivery.
// Origin scans in the destination city (a same-city shipment) are not
// arrivals. It clears once delivery-stage scans happen in the right city.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectMisrouted(const RuleInput& in) {
  const std::string& dest = in.parcel.destination.city;
  const TrackingEvent* evidence = nullptr;
  std::string detail;
  bool leftOrigin = false;  // has the parcel been somewhere other than the destination city?
  bool inDestination = false;
  for (const auto& e : in.timeline) {
    const std::string& city = e.place.city;
    bool known = !dest.empty() && !city.empty();
    if (e.kind == EventKind::problem &&
        (e.reason == EventReason::misrouted || e.reason == EventReason::out_of_area)) {
      evidence = &e;
      detail = "the carrier reports " + std::string(toString(e.reason)) + ": " + e.description;
      continue;
    }
    if (!known || !isPhysicalScan(e.kind)) continue;
    bool here = sameCity(city, dest);
    if (isDeliveryStage(e.kind)) {
      if (here) {
        evidence = nullptr;  // delivering in the right city: recovered
        detail.clear();
      } else if (!evidence) {
        evidence = &e;
        detail = "delivery-stage scan in " + city + ", destination is " + dest;
      }
      continue;
    }
    if (here) {
      if (leftOrigin) inDestination = true;
    } else {
      if (inDestination && !evidence) {
        evidence = &e;
        detail = "reached " + dest + ", then moved on to " + city + " before delivery";
      }
      leftOrigin = true;
    }
  }
  if (!evidence) return std::nullopt;
  if (in.stage == ParcelStage::delivered || in.stage == ParcelStage::returned) {
    // A signature in the wrong city is false_signed's business once signed.
    const TrackingEvent* sig = lastOf(in.timeline, {EventKind::signed_});
    if (sig && sig->time >= evidence->time) return std::nullopt;
  }
  return makeFinding(ExceptionKind::misrouted, evidence->time, {*evidence}, Seconds(0),
                     in.now - evidence->time, detail);
}

}  // namespace pw
