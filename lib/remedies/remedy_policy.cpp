#include "remedies/remedy_policy.h"

#include "common/duration.h"

namespace pw {

Suggestion suggestRemedy(const Finding& f, const Parcel&, const RemedyPolicy& policy) {
  std::string gap = formatDuration(std::chrono::floor<std::chrono::hours>(f.elapsed));
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
                  " after shipping: check the number and carrier code "
                  "with the carrier or forwarder before the platform flags a false shipment"};
    default:
      return {Remedy::manual_review, std::string(toString(f.kind)) + ": review by hand"};
  }
}

}  // namespace pw
