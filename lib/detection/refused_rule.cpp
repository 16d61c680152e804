// `refused`: the recipient refused the parcel (and it has not been delivered
// to them since).
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectRefused(const RuleInput& in) {
  // A return scan that gives the refusal as its reason is the refusal's evidence too.
  const TrackingEvent* refused = nullptr;
  for (const auto& e : in.timeline)
    if (e.kind == EventKind::refused ||
        (e.kind == EventKind::returning && e.reason == EventReason::refused))
      if (!refused || e.time >= refused->time) refused = &e;
  if (!refused) return std::nullopt;
  const TrackingEvent* signedAfter = lastOf(in.timeline, {EventKind::signed_});
  if (signedAfter && signedAfter->time > refused->time &&
      signedAfter->signer_type != SignerType::none && in.stage == ParcelStage::delivered)
    return std::nullopt;  // accepted after all
  return makeFinding(ExceptionKind::refused, refused->time, {*refused}, Seconds(0),
                     in.now - refused->time, "the recipient refused the parcel");
}

}  // namespace pw
