// `false_signed`: a signature with evidence it did not reach the buyer:
// signed in another city than the destination's (a locker or station there
// is out of the buyer's reach too); the signature's own note says it was not
// handed over (it names a later day for the delivery); signed with no delivery-stage scan before
// it; signed within minutes of a failed or refused attempt with no new
// attempt between; scans continuing after it; or the buyer reports it not
// received.
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

// Where the signature happened: its own place, else where the parcel was
// being delivered from (a signature text rarely names its city).
const std::string& signedCity(const Timeline& t, std::size_t sigIndex) {
  if (!t[sigIndex].place.city.empty()) return t[sigIndex].place.city;
  for (std::size_t i = sigIndex; i-- > 0;) {
    if (!isDeliveryStage(t[i].kind)) {
      if (isMovement(t[i].kind)) break;
      continue;
    }
    if (!t[i].place.city.empty()) return t[i].place.city;
  }
  return t[sigIndex].place.city;
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
  const std::string& city = signedCity(t, sigIndex);
  if (!dest.empty() && !city.empty() && !sameCity(city, dest))
    return found({sig}, "signed in " + city + ", destination is " + dest);

  if (sig.reason == EventReason::not_delivered)
    return found({sig}, "the signature says it was not handed over: " + sig.signer);

  for (size_t i = sigIndex + 1; i < t.size(); ++i)
    if (isMovement(t[i].kind)) return found({sig, t[i]}, "scans continue after the signature");

  bool deliveryScanBefore = false;
  const TrackingEvent* failure = nullptr;
  for (size_t i = 0; i < sigIndex; ++i) {
    EventKind k = t[i].kind;
    // A failed or refused attempt means a courier was at the door.
    if (isDeliveryStage(k) || k == EventKind::refused) deliveryScanBefore = true;
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
