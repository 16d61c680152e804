// `stalled`: the parcel has been picked up and is moving between sites, but no
// new scan arrived for `stalled_after` (default 48 h, the after-sales teams'
// "2 days without update"). Out-for-delivery, locker and final stages have
// their own rules and are not stalls.
#include "detection/rules.h"

#include "common/duration.h"

namespace pw {

std::optional<Finding> detectStall(const RuleInput& in) {
  if (in.stage != ParcelStage::in_transit || in.timeline.empty()) return std::nullopt;
  const TrackingEvent* last = nullptr;
  for (auto it = in.timeline.rbegin(); it != in.timeline.rend(); ++it) {
    if (isPhysicalScan(it->kind)) {
      last = &*it;
      break;
    }
  }
  // A failed attempt waits for the next one: delivery_failed says so already.
  if (!last || last->kind == EventKind::delivery_failed) return std::nullopt;
  Seconds elapsed = in.now - last->time;
  Seconds threshold =
      effectiveThreshold(in, crossBorderGap(in, in.policy.stalled_after), last->time);
  if (elapsed < threshold) return std::nullopt;
  Finding f;
  f.kind = ExceptionKind::stalled;
  f.since = last->time + threshold;
  f.evidence = {*last};
  f.threshold = threshold;
  f.elapsed = elapsed;
  f.detail = "in transit, no new scan for " +
             formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) + " (threshold " +
             formatDuration(threshold) + ")";
  return f;
}

}  // namespace pw
