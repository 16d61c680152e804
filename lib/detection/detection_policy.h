#pragma once
#include "common/clock.h"

namespace pw {

/// Thresholds the rules compare against; values come from configuration.
struct DetectionPolicy {
  Seconds not_picked_up_after = std::chrono::hours(24);
  Seconds stalled_after = std::chrono::hours(48);
};

}  // namespace pw
