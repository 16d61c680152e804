// `invalid_number`: the number cannot be its carrier's (format), the carrier
// says it does not exist, or the carrier still knows nothing of it
// `invalid_number_after` (24 h) after shipping. "No result yet" in the first
// hours is normal and never raises it.
#include "common/duration.h"
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectInvalidNumber(const RuleInput& in) {
  Seconds elapsed = in.now - in.parcel.shipped_at;
  if (!in.facts.number_format_ok)
    return makeFinding(ExceptionKind::invalid_number, in.parcel.shipped_at, {}, Seconds(0), elapsed,
                       "the number does not fit " + in.parcel.carrier + "'s format");
  if (in.facts.invalid_number)
    return makeFinding(ExceptionKind::invalid_number, in.now, {}, Seconds(0), elapsed,
                       "the carrier says the number does not exist");
  if (!in.timeline.empty() || !in.facts.no_result) return std::nullopt;
  Seconds threshold = effectiveThreshold(in, in.policy.invalid_number_after, in.parcel.shipped_at);
  if (elapsed < threshold) return std::nullopt;
  return makeFinding(
      ExceptionKind::invalid_number, in.parcel.shipped_at + threshold, {}, threshold, elapsed,
      "the carrier still has no record " +
          formatDuration(std::chrono::floor<std::chrono::hours>(elapsed)) + " after shipping");
}

}  // namespace pw
