#pragma once
// `not_picked_up`: shipped (the merchant printed a waybill) but no physical
// scan `not_picked_up_after` later (default 24 h). Platforms penalise such
// orders as false shipments, so this is the stall of the first stage.
#include "detection/rule_input.h"
#include "model/finding.h"

#include <optional>

namespace pw {

std::optional<Finding> detectNotPickedUp(const RuleInput& in);

}  // namespace pw
