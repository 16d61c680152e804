// `false_signed`: a signature with evidence it did not reach the buyer:
// signed in another city than the destination's; signed with no
// delivery-stage scan before it; signed within minutes of a failed or refused
// attempt with no new attempt between; scans continuing after it; or the
// buyer reports it not received.
#include "common/duration.h"
#include "detection/rules.h"

#include <algorithm>

namespace pw {

namespace {

bool isMovement(EventKind k) {
  return k == EventKind::in_transit || k == EventKind::arrived_hub ||
         k == EventKind::departed_hub || k == EventKind::arrived_delivery_station ||
         k == EventKind::out_for_delivery;
}

}  // namespace

std::optional<Finding> detectFalseSigned(const RuleInput& in) {
  const Timeline& t = in.timeline;
  auto sigIt = std::find_if(t.rbegin(), t.rend(),
                            [](const TrackingEvent& e) { return e.kind == EventKind::signed_; });
  if (sigIt == t.rend()) return std::nullopt;
  const TrackingEvent& sig = *sigIt;
  size_t sigIndex = static_cast<size_t>(t.rend() - sigIt) - 1;
  Seconds elapsed = in.now - sig.time;
  auto found = [&](std::vector<TrackingEvent> evidence, std::string detail) {
    return makeFinding(ExceptionKind::false_signed, sig.time, std::move(evidence), Seconds(0),
                       elapsed, std::move(detail));
  };

  if (in.buyer_claims_not_received)
    return found({sig}, "the buyer reports the parcel not received");

  const std::string& dest = in.parcel.destination.city;
  if (!dest.empty() && !sig.place.city.empty() && !sameCity(sig.place.city, dest))
    return found({sig}, "signed in " + sig.place.city + ", destination is " + dest);

  for (size_t i = sigIndex + 1; i < t.size(); ++i)
    if (isMovement(t[i].kind)) return found({sig, t[i]}, "scans continue after the signature");

  bool deliveryScanBefore = false;
  const TrackingEvent* failure = nullptr;
  for (size_t i = 0; i < sigIndex; ++i) {
    EventKind k = t[i].kind;
    if (k == EventKind::arrived_delivery_station || k == EventKind::out_for_delivery ||
        k == EventKind::stored_for_pickup)
      deliveryScanBefore = true;
    if (k == EventKind::delivery_failed || k == EventKind::refused) failure = &t[i];
    if (k == EventKind::out_for_delivery || k == EventKind::stored_for_pickup) failure = nullptr;
  }
  if (failure && sig.time - failure->time <= in.policy.false_sign_window)
    return found(
        {*failure, sig},
        "signed " +
            formatDuration(std::chrono::floor<std::chrono::minutes>(sig.time - failure->time)) +
            " after a failed attempt, with no new attempt");
  if (!deliveryScanBefore) return found({sig}, "signed with no delivery scan before it");
  return std::nullopt;
}

}  // namespace pw
