#include "polling/number_quota.h"

#include <algorithm>

namespace pw {

Seconds requiredGap(const NumberLimits& limits) {
  Seconds gap = limits.min_gap;
  if (limits.max_per_window > 0)
    gap = std::max(gap, limits.window / limits.max_per_window + Seconds(1));
  return gap;
}

Timestamp NumberQuota::earliest(const NumberLimits& limits, Timestamp now) const {
  if (!last_) return now;
  return std::max(now, *last_ + requiredGap(limits));
}

void NumberQuota::record(const NumberLimits&, Timestamp at) {
  last_ = last_ ? std::max(*last_, at) : at;
}

}  // namespace pw
