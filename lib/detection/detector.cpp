#include "detection/detector.h"

#include "detection/rules.h"

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
  return out;
}

}  // namespace pw
