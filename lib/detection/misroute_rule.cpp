// `misrouted`: the carrier says 错分/超区; a delivery-stage scan (arrival at the
// delivering branch, out for delivery, storage, failed attempt) happens in a
// city other than the destination's; or the parcel, having reached the
// destination city from elsewhere, leaves it again before any delivery.
// Scans in the city where the parcel was picked up, before it first left,
// are origin scans whatever their wording (a branch "arrival" right after
// pickup, loading, departure), never delivery-stage scans. It clears once
// delivery-stage scans happen in the right city; a signature is
// false_signed's business.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectMisrouted(const RuleInput& in) {
  const std::string& dest = in.parcel.destination.city;
  const TrackingEvent* evidence = nullptr;
  std::string detail;
  std::string_view origin;  // the first city the parcel was scanned in
  bool leftOrigin = false;  // has it been scanned outside that city since?
  bool leftHome = false;    // has it been somewhere other than the destination city?
  bool inDestination = false;
  for (const auto& e : in.timeline) {
    const std::string& city = e.place.city;
    if (e.kind == EventKind::problem &&
        (e.reason == EventReason::misrouted || e.reason == EventReason::out_of_area)) {
      evidence = &e;
      detail = "the carrier reports " + std::string(toString(e.reason)) + ": " + e.description;
      continue;
    }
    if (city.empty() || !isPhysicalScan(e.kind)) continue;
    if (origin.empty()) origin = city;
    if (!sameCity(city, origin)) leftOrigin = true;
    if (dest.empty() || e.kind == EventKind::signed_) continue;
    bool here = sameCity(city, dest);
    bool atOrigin = !leftOrigin && e.kind != EventKind::out_for_delivery &&
                    e.kind != EventKind::stored_for_pickup;
    if (isDeliveryStage(e.kind) && !atOrigin) {
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
      if (leftHome) inDestination = true;
    } else {
      if (inDestination && !evidence) {
        evidence = &e;
        detail = "reached " + dest + ", then moved on to " + city + " before delivery";
      }
      leftHome = true;
    }
  }
  if (!evidence) return std::nullopt;
  // A signature after the wrong turn: where it was signed decides (false_signed).
  const TrackingEvent* sig = lastOf(in.timeline, {EventKind::signed_});
  if (sig && sig->time >= evidence->time) return std::nullopt;
  return makeFinding(ExceptionKind::misrouted, evidence->time, {*evidence}, Seconds(0),
                     in.now - evidence->time, detail);
}

}  // namespace pw
