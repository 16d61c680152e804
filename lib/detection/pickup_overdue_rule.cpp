// `pickup_overdue`: stored at a locker, station or pickup point (or "signed"
// by one) and not collected for `pickup_overdue_after` (48 h).
#include "common/duration.h"
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectPickupOverdue(const RuleInput& in) {
  if (in.stage != ParcelStage::awaiting_collection) return std::nullopt;
  const TrackingEvent* stored =
      lastOf(in.timeline, {EventKind::stored_for_pickup, EventKind::signed_});
  if (!stored) return std::nullopt;
  Seconds elapsed = in.now - stored->time;
  Seconds threshold =
      effectiveThreshold(in, crossBorderGap(in, in.policy.pickup_overdue_after), stored->time);
  if (elapsed < threshold) return std::nullopt;
  return makeFinding(ExceptionKind::pickup_overdue, stored->time + threshold, {*stored}, threshold,
                     elapsed,
                     "waiting for collection for " +
                         formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)));
}

}  // namespace pw
