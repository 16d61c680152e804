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
  std::string who = sig->signer.empty() ? std::string(toString(sig->signer_type)) : sig->signer;
  if (sig->signer_type == SignerType::place)
    return makeFinding(ExceptionKind::proxy_signed, sig->time, {*sig}, Seconds(0),
                       in.now - sig->time, "left at " + who + " with nobody signing for it");
  return makeFinding(ExceptionKind::proxy_signed, sig->time, {*sig}, Seconds(0), in.now - sig->time,
                     "signed by " + who + ", not yet collected by the buyer");
}

}  // namespace pw
