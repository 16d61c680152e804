// `delivery_failed`: the newest delivery attempt failed (no contact, address,
// closed...) and no new attempt, storage or signature followed.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectDeliveryFailed(const RuleInput& in) {
  const TrackingEvent* last =
      lastOf(in.timeline,
             {EventKind::delivery_failed, EventKind::out_for_delivery, EventKind::stored_for_pickup,
              EventKind::signed_, EventKind::returning, EventKind::returned, EventKind::refused});
  if (!last || last->kind != EventKind::delivery_failed) return std::nullopt;
  return makeFinding(
      ExceptionKind::delivery_failed, last->time, {*last}, Seconds(0), in.now - last->time,
      "delivery failed (" + std::string(toString(last->reason)) + "), no new attempt yet");
}

}  // namespace pw
