#pragma once
// One rule per exception kind, each a pure function of RuleInput in its own
// file; the names are the exception kinds' (an interface).
#include "detection/rule_input.h"
#include "model/finding.h"

#include <optional>

namespace pw {

std::optional<Finding> detectInvalidNumber(const RuleInput& in);
/// Whether detectInvalidNumber reads `facts.number_format_ok` for this timeline: the
/// format check is a regex match (4 % of the writer's instructions when it ran for
/// every result), so callers fill it in only where it is read.
bool readsNumberFormat(const Timeline& timeline, const CarrierFacts& facts);
std::optional<Finding> detectNotPickedUp(const RuleInput& in);
std::optional<Finding> detectStall(const RuleInput& in);
std::optional<Finding> detectDeliveryOverdue(const RuleInput& in);
std::optional<Finding> detectDeliveryFailed(const RuleInput& in);
std::optional<Finding> detectPickupOverdue(const RuleInput& in);
std::optional<Finding> detectRefused(const RuleInput& in);
std::optional<Finding> detectReturned(const RuleInput& in);
std::optional<Finding> detectCustomsHold(const RuleInput& in);
std::optional<Finding> detectProblem(const RuleInput& in);
std::optional<Finding> detectMisrouted(const RuleInput& in);
std::optional<Finding> detectProxySigned(const RuleInput& in);
std::optional<Finding> detectFalseSigned(const RuleInput& in);
std::optional<Finding> detectPromiseAtRisk(const RuleInput& in);

/// A finding of `kind` with the common fields filled in.
Finding makeFinding(ExceptionKind kind, Timestamp since, std::vector<TrackingEvent> evidence,
                    Seconds threshold, Seconds elapsed, std::string detail);

}  // namespace pw
