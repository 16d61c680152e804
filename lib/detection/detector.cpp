#include "detection/detector.h"

#include "detection/rules.h"

#include <algorithm>

namespace pw {

std::vector<Finding> detect(const RuleInput& in) {
  static constexpr std::optional<Finding> (*kRules[])(const RuleInput&) = {
      &detectInvalidNumber,  &detectNotPickedUp,   &detectStall,     &detectDeliveryOverdue,
      &detectDeliveryFailed, &detectPickupOverdue, &detectRefused,   &detectReturned,
      &detectCustomsHold,    &detectProblem,       &detectMisrouted, &detectProxySigned,
      &detectFalseSigned,    &detectPromiseAtRisk,
  };
  std::vector<Finding> out;
  for (auto rule : kRules)
    if (auto f = rule(in)) out.push_back(std::move(*f));
  // One signature, one task: evidence that it did not reach the buyer
  // outweighs "signed by someone else".
  bool falseSigned = std::any_of(out.begin(), out.end(), [](const Finding& f) {
    return f.kind == ExceptionKind::false_signed;
  });
  if (falseSigned)
    std::erase_if(out, [](const Finding& f) { return f.kind == ExceptionKind::proxy_signed; });
  return out;
}

}  // namespace pw
