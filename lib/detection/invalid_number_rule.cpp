// `invalid_number`: only on the carrier's word. The carrier says the number
// does not exist, or still knows nothing of it, `invalid_number_after` (24 h)
// after shipping. A number the carrier returned scans for is valid whatever
// its shape; a shape that does not fit the carrier is a registration warning
// and, here, a hint in the detail. "No result yet" in the first hours is
// normal and never raises it.
#include "common/duration.h"
#include "detection/rules.h"

namespace pw {

bool readsNumberFormat(const Timeline& timeline, const CarrierFacts& facts) {
  return timeline.empty() && (facts.no_result || facts.invalid_number);
}

std::optional<Finding> detectInvalidNumber(const RuleInput& in) {
  if (!readsNumberFormat(in.timeline, in.facts)) return std::nullopt;
  Seconds elapsed = in.now - in.parcel.shipped_at;
  Seconds threshold = effectiveThreshold(in, in.policy.invalid_number_after, in.parcel.shipped_at);
  if (elapsed < threshold) return std::nullopt;
  std::string detail = in.facts.invalid_number
                           ? "the carrier says the number does not exist"
                           : "the carrier still has no record " +
                                 formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) +
                                 " after shipping";
  if (!in.facts.number_format_ok)
    detail += "; the number does not fit " + in.parcel.carrier + "'s format either";
  return makeFinding(ExceptionKind::invalid_number, in.parcel.shipped_at + threshold, {}, threshold,
                     elapsed, detail);
}

}  // namespace pw
