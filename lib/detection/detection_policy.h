#pragma once
// Thresholds the rules compare against; values come from configuration.
// Gaps are stretched for remote destinations (longer normal gaps between
// scans) and by any holiday the gap overlaps (春节 stops much of the network).
#include "common/clock.h"

#include <string>
#include <utility>
#include <vector>

namespace pw {

struct DetectionPolicy {
  Seconds invalid_number_after = std::chrono::hours(24);
  Seconds not_picked_up_after = std::chrono::hours(24);
  Seconds stalled_after = std::chrono::hours(48);
  Seconds delivery_overdue_after = std::chrono::hours(24);
  Seconds pickup_overdue_after = std::chrono::hours(48);
  /// A signature this soon after a failed or refused attempt, with no new
  /// attempt between, is suspicious.
  Seconds false_sign_window = std::chrono::minutes(30);
  /// Warn when less than this is left before promised_by and the parcel is
  /// not yet in the destination city.
  Seconds promise_margin = std::chrono::hours(24);
  /// Thresholds are multiplied by this for destinations in remote provinces.
  double remote_factor = 1.5;
  std::vector<std::string> remote_provinces = {"新疆维吾尔自治区", "西藏自治区", "青海省",
                                               "内蒙古自治区"};
  /// Holiday periods [from, to); the part of a gap inside one does not count.
  std::vector<std::pair<Timestamp, Timestamp>> holidays;
};

}  // namespace pw
