// `returned`: the parcel is on its way back to the sender, or back.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectReturned(const RuleInput& in) {
  if (in.stage != ParcelStage::returning && in.stage != ParcelStage::returned) return std::nullopt;
  const TrackingEvent* first = nullptr;
  for (const auto& e : in.timeline)
    if (e.kind == EventKind::returning || e.kind == EventKind::returned) {
      first = &e;
      break;
    }
  if (!first) return std::nullopt;  // refused without a return scan: refused covers it
  const TrackingEvent* last = lastOf(in.timeline, {EventKind::returning, EventKind::returned});
  return makeFinding(
      ExceptionKind::returned, first->time, {*last}, Seconds(0), in.now - first->time,
      in.stage == ParcelStage::returned ? "returned to the sender" : "returning to the sender");
}

}  // namespace pw
