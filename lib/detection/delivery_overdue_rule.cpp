// `delivery_overdue`: out for delivery and nothing after it for
// `delivery_overdue_after` (24 h): the courier has not delivered, failed or
// stored it.
#include "common/duration.h"
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectDeliveryOverdue(const RuleInput& in) {
  if (in.stage != ParcelStage::out_for_delivery || in.timeline.empty()) return std::nullopt;
  const TrackingEvent& last = in.timeline.back();
  if (last.kind != EventKind::out_for_delivery) return std::nullopt;
  Seconds elapsed = in.now - last.time;
  Seconds threshold = effectiveThreshold(in, in.policy.delivery_overdue_after, last.time);
  if (elapsed < threshold) return std::nullopt;
  return makeFinding(
      ExceptionKind::delivery_overdue, last.time + threshold, {last}, threshold, elapsed,
      "out for delivery " + formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) +
          " ago, nothing since");
}

}  // namespace pw
