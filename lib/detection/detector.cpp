#include "detection/detector.h"

#include "detection/not_picked_up_rule.h"
#include "detection/stall_rule.h"

namespace pw {

std::vector<Finding> detect(const RuleInput& in) {
  std::vector<Finding> out;
  for (auto rule : {&detectNotPickedUp, &detectStall}) {
    if (auto f = rule(in)) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace pw
