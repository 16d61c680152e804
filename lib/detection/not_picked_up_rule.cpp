// `not_picked_up`: shipped (the merchant printed a waybill) but no physical
// scan `not_picked_up_after` later (default 24 h). Platforms penalise such
// orders as false shipments, so this is the stall of the first stage.
#include "detection/rules.h"

#include "common/duration.h"

namespace pw {

std::optional<Finding> detectNotPickedUp(const RuleInput& in) {
  if (in.stage != ParcelStage::awaiting_pickup) return std::nullopt;
  // A number the carrier does not know at all is invalid_number's case.
  if (in.timeline.empty() && (in.facts.no_result || in.facts.invalid_number)) return std::nullopt;
  Seconds elapsed = in.now - in.parcel.shipped_at;
  Seconds threshold = effectiveThreshold(in, in.policy.not_picked_up_after, in.parcel.shipped_at);
  if (elapsed < threshold) return std::nullopt;
  Finding f;
  f.kind = ExceptionKind::not_picked_up;
  f.since = in.parcel.shipped_at + threshold;
  for (const auto& e : in.timeline) f.evidence.push_back(e);  // info_received lines, if any
  f.threshold = threshold;
  f.elapsed = elapsed;
  f.detail = "no pickup scan " + formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) +
             " after shipping (threshold " + formatDuration(threshold) + ")";
  return f;
}

}  // namespace pw
