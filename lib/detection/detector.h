#pragma once
#include "detection/rule_input.h"
#include "model/finding.h"

#include <vector>

namespace pw {

/// Runs every rule; the result lists the exceptions that hold at `in.now`.
std::vector<Finding> detect(const RuleInput& in);

}  // namespace pw
