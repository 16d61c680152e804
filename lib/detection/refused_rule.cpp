// `refused`: the recipient refused the parcel (and it has not been delivered
// to them since).
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectRefused(const RuleInput& in) {
  const TrackingEvent* refused = lastOf(in.timeline, {EventKind::refused});
  if (!refused) return std::nullopt;
  const TrackingEvent* signedAfter = lastOf(in.timeline, {EventKind::signed_});
  if (signedAfter && signedAfter->time > refused->time &&
      signedAfter->signer_type != SignerType::none && in.stage == ParcelStage::delivered)
    return std::nullopt;  // accepted after all
  return makeFinding(ExceptionKind::refused, refused->time, {*refused}, Seconds(0),
                     in.now - refused->time, "the recipient refused the parcel");
}

}  // namespace pw
