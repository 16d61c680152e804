// `problem`: the carrier flags the parcel (疑难, damaged, lost, stuck) and it
// has not moved on since. Misrouting and customs have rules of their own.
#include "detection/rules.h"

namespace pw {

std::optional<Finding> detectProblem(const RuleInput& in) {
  for (auto it = in.timeline.rbegin(); it != in.timeline.rend(); ++it) {
    if (it->kind == EventKind::problem) {
      if (it->reason == EventReason::misrouted || it->reason == EventReason::out_of_area)
        return std::nullopt;
      return makeFinding(ExceptionKind::problem, it->time, {*it}, Seconds(0), in.now - it->time,
                         "carrier reports a problem (" + std::string(toString(it->reason)) + ")");
    }
    if (isPhysicalScan(it->kind)) return std::nullopt;  // moved on since
  }
  return std::nullopt;
}

}  // namespace pw
