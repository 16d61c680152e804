// `promise_at_risk`: `promised_by` is set and the parcel is not delivered by
// then, or too little time is left (`promise_margin`) while it is still not in
// the destination city.
#include "common/duration.h"
#include "common/time_format.h"
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectPromiseAtRisk(const RuleInput& in) {
  if (!in.parcel.promised_by) return std::nullopt;
  if (in.stage == ParcelStage::delivered || in.stage == ParcelStage::awaiting_collection ||
      in.stage == ParcelStage::returned || in.stage == ParcelStage::returning)
    return std::nullopt;
  Timestamp promised = *in.parcel.promised_by;
  std::vector<TrackingEvent> evidence;
  if (!in.timeline.empty()) evidence.push_back(in.timeline.back());
  if (in.now >= promised)
    return makeFinding(ExceptionKind::promise_at_risk, promised, evidence, Seconds(0),
                       in.now - promised,
                       "promised by " + formatRfc3339(promised) + ", not delivered");
  Seconds left = promised - in.now;
  if (left >= in.policy.promise_margin) return std::nullopt;
  if (in.stage == ParcelStage::out_for_delivery) return std::nullopt;
  const std::string& dest = in.parcel.destination.city;
  const TrackingEvent* last =
      lastOf(in.timeline, {EventKind::picked_up, EventKind::in_transit, EventKind::arrived_hub,
                           EventKind::departed_hub, EventKind::arrived_delivery_station});
  if (last && !dest.empty() && sameCity(last->place.city, dest))
    return std::nullopt;  // already in the destination city
  return makeFinding(ExceptionKind::promise_at_risk, promised - in.policy.promise_margin, evidence,
                     in.policy.promise_margin, in.policy.promise_margin - left,
                     formatDuration(std::chrono::floor<std::chrono::hours>(left)) +
                         " left before the promised time and not yet in " +
                         (dest.empty() ? std::string("the destination city") : dest));
}

}  // namespace pw
