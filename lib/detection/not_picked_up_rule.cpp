#include "detection/not_picked_up_rule.h"

#include "common/duration.h"

namespace pw {

std::optional<Finding> detectNotPickedUp(const RuleInput& in) {
  if (in.stage != ParcelStage::awaiting_pickup) return std::nullopt;
  Seconds elapsed = in.now - in.parcel.shipped_at;
  if (elapsed < in.policy.not_picked_up_after) return std::nullopt;
  Finding f;
  f.kind = ExceptionKind::not_picked_up;
  f.since = in.parcel.shipped_at + in.policy.not_picked_up_after;
  for (const auto& e : in.timeline) f.evidence.push_back(e);  // info_received lines, if any
  f.threshold = in.policy.not_picked_up_after;
  f.elapsed = elapsed;
  f.detail = "no pickup scan " + formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) +
             " after shipping (threshold " + formatDuration(in.policy.not_picked_up_after) + ")";
  return f;
}

}  // namespace pw
