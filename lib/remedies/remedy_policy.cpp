#include "remedies/remedy_policy.h"

#include "common/duration.h"

namespace pw {

namespace {

Suggestion byKind(const Finding& f, const RemedyPolicy& policy, int buyerClaims) {
  std::string gap = formatDuration(std::chrono::floor<std::chrono::hours>(f.elapsed));
  EventReason reason = f.evidence.empty() ? EventReason::none : f.evidence.back().reason;
  switch (f.kind) {
    case ExceptionKind::stalled:
      if (f.elapsed >= policy.presume_lost_after)
        return {Remedy::reship, "no scan for " + gap +
                                    ": treat as lost, reship (or refund if the buyer prefers) "
                                    "and claim against the carrier"};
      if (f.elapsed >= policy.contact_carrier_factor * f.threshold)
        return {Remedy::contact_carrier,
                "no scan for " + gap + ": ask the carrier where the parcel is, tell the buyer"};
      return {Remedy::soothe_and_wait,
              "no scan for " + gap + ": tell the buyer before they ask, give an expected date"};
    case ExceptionKind::not_picked_up:
      return {Remedy::contact_carrier,
              "no pickup scan " + gap +
                  " after shipping: check the number and carrier code with the carrier or "
                  "forwarder before the platform flags a false shipment"};
    case ExceptionKind::invalid_number:
      return {Remedy::contact_carrier,
              "the number is not a valid waybill: confirm the right number and carrier code with "
              "the forwarder and correct the shipment on the platform"};
    case ExceptionKind::delivery_overdue:
      return {Remedy::contact_carrier,
              "out for delivery " + gap + " ago with no result: ask the delivering branch"};
    case ExceptionKind::delivery_failed:
      if (reason == EventReason::no_contact || reason == EventReason::address)
        return {Remedy::confirm_address,
                "the courier could not reach the buyer: confirm phone and address, then ask the "
                "carrier to redeliver"};
      return {Remedy::redeliver, "delivery failed: arrange a new attempt with the carrier"};
    case ExceptionKind::pickup_overdue:
      return {Remedy::remind_pickup,
              "waiting at a locker or station for " + gap +
                  ": remind the buyer where to collect it before it is sent back"};
    case ExceptionKind::refused:
      return {Remedy::recall_and_refund,
              "the buyer refused it: ask why; redeliver if it was a mistake, otherwise refund once "
              "the parcel is back"};
    case ExceptionKind::returned:
      return {Remedy::reship,
              "the parcel is going back: contact the buyer, reship once it is back (or refund if "
              "they no longer want it)"};
    case ExceptionKind::customs_hold:
      return {Remedy::manual_review,
              "held at customs: ask the buyer for the documents or duties customs needs"};
    case ExceptionKind::problem:
      if (reason == EventReason::damaged)
        return {
            Remedy::reship,
            "damaged in transit: tell the buyer to refuse it, reship, claim against the carrier"};
      if (reason == EventReason::lost)
        return {Remedy::reship,
                "lost by the carrier: reship (or refund), claim against the carrier"};
      return {Remedy::contact_carrier,
              "the carrier flags a problem: find out what it is, tell the buyer"};
    case ExceptionKind::misrouted:
      return {Remedy::contact_carrier,
              "misrouted: ask the carrier to reroute it (转寄), tell the buyer the new date"};
    case ExceptionKind::proxy_signed:
      if (!f.evidence.empty() && f.evidence.back().signer_type == SignerType::place)
        return {Remedy::remind_pickup,
                "left at a door or corridor with nobody signing: tell the buyer where it is and "
                "ask them to confirm they have it"};
      return {Remedy::remind_pickup,
              "signed for by someone else: tell the buyer who holds it and where to collect it"};
    case ExceptionKind::false_signed:
      if (buyerClaims >= policy.repeated_claims)
        return {Remedy::manual_review,
                std::to_string(buyerClaims) +
                    " not-received claims by this buyer recently: get the carrier's evidence "
                    "(signature, photo, station record) before any refund"};
      if (f.detail.rfind("signed in ", 0) == 0 || f.detail.rfind("scans continue", 0) == 0)
        return {Remedy::reship,
                "the track shows it did not reach the buyer: satisfy the buyer first (reship or "
                "refund), then claim against the carrier"};
      return {Remedy::contact_carrier,
              "signed but possibly not received: check with the carrier (gatekeeper, station, "
              "neighbour) before refunding"};
    case ExceptionKind::promise_at_risk:
      if (f.detail.find("not delivered") != std::string::npos)
        return {Remedy::compensate,
                "the promised delivery time has passed: apologise and compensate as the platform "
                "requires"};
      return {Remedy::soothe_and_wait,
              "the promised time is close: tell the buyer the real expected date now"};
  }
  return {Remedy::manual_review, std::string(toString(f.kind)) + ": review by hand"};
}

}  // namespace

Suggestion suggestRemedy(const Finding& f, const Parcel& parcel, const RemedyPolicy& policy,
                         int buyerClaims) {
  Suggestion s = byKind(f, policy, buyerClaims);
  bool costly = s.remedy == Remedy::reship || s.remedy == Remedy::refund ||
                s.remedy == Remedy::recall_and_refund || s.remedy == Remedy::compensate;
  if (costly && policy.high_value > 0 && parcel.order_value &&
      *parcel.order_value >= policy.high_value)
    s.reason += " (order value " + std::to_string(static_cast<long long>(*parcel.order_value)) +
                ": needs approval)";
  return s;
}

}  // namespace pw
