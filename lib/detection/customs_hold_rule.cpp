// `customs_hold`: customs held the parcel or asked for documents, and no
// release or onward movement followed.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectCustomsHold(const RuleInput& in) {
  const TrackingEvent* hold = nullptr;
  for (auto it = in.timeline.rbegin(); it != in.timeline.rend(); ++it) {
    if (it->kind == EventKind::customs && it->reason == EventReason::customs_hold) {
      hold = &*it;
      break;
    }
    if (it->kind == EventKind::customs && it->reason == EventReason::customs_released)
      return std::nullopt;
    if (isPhysicalScan(it->kind) && it->kind != EventKind::customs &&
        it->kind != EventKind::problem)
      return std::nullopt;  // moving again
  }
  if (!hold) return std::nullopt;
  return makeFinding(ExceptionKind::customs_hold, hold->time, {*hold}, Seconds(0),
                     in.now - hold->time, "held at customs: " + hold->description);
}

}  // namespace pw
