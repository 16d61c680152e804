// `proxy_signed`: signed by someone other than the addressee (family, friend,
// gatekeeper, front desk, property office, locker, station) and not yet
// collected by the buyer; cleared when the buyer's own pickup appears.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectProxySigned(const RuleInput& in) {
  const TrackingEvent* sig = lastOf(in.timeline, {EventKind::signed_});
  if (!sig) return std::nullopt;
  switch (sig->signer_type) {
    case SignerType::proxy_person:
    case SignerType::reception:
    case SignerType::locker:
    case SignerType::station:
    case SignerType::place:
      break;
    default:
      return std::nullopt;  // the buyer signed or collected it, or we cannot tell
  }
  // A signature after the buyer's own pickup (by code, in person) is the
  // carrier closing its record again: the parcel already reached the buyer.
  for (const auto& e : in.timeline)
    if (&e != sig && e.kind == EventKind::signed_ && e.signer_type == SignerType::self &&
        e.time <= sig->time)
      return std::nullopt;
  std::string who = sig->signer.empty() ? std::string(toString(sig->signer_type)) : sig->signer;
  if (sig->signer_type == SignerType::place)
    return makeFinding(ExceptionKind::proxy_signed, sig->time, {*sig}, Seconds(0),
                       in.now - sig->time, "left at " + who + " with nobody signing for it");
  // A person signing for the buyer (family, front desk) is not a place the
  // buyer still has to go to; a locker or station is.
  bool toCollect =
      sig->signer_type == SignerType::locker || sig->signer_type == SignerType::station;
  return makeFinding(ExceptionKind::proxy_signed, sig->time, {*sig}, Seconds(0), in.now - sig->time,
                     toCollect ? "signed by " + who + ", not yet collected by the buyer"
                               : "signed for by " + who + " on the buyer's behalf");
}

}  // namespace pw
