#pragma once
// `stalled`: the parcel has been picked up and is moving between sites, but no
// new scan arrived for `stalled_after` (default 48 h, the after-sales teams'
// "2 days without update"). Out-for-delivery, locker and final stages have
// their own rules and are not stalls.
#include "detection/rule_input.h"
#include "model/finding.h"

#include <optional>

namespace pw {

std::optional<Finding> detectStall(const RuleInput& in);

}  // namespace pw
