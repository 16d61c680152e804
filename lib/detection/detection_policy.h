#pragma once
// Thresholds the rules compare against; values come from configuration.
// Gaps are stretched for remote destinations (longer normal gaps between
// scans) and by any holiday the gap overlaps (春节 stops much of the network).
#include "common/clock.h"

#include <map>
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
  /// Thresholds are multiplied by these for destinations in these provinces
  /// (remote regions have longer normal gaps) and for these carriers.
  std::map<std::string, double> province_factor = {
      {"新疆维吾尔自治区", 1.5}, {"西藏自治区", 1.5}, {"青海省", 1.5}, {"内蒙古自治区", 1.5}};
  std::map<std::string, double> carrier_factor;
  /// Gaps between scans (stalled, pickup_overdue) are multiplied by this for
  /// parcels sent abroad: a postal item's flight and customs legs normally go
  /// days without a scan (3 to 6 days are common).
  double cross_border_factor = 3.5;
  /// Holiday periods [from, to); the part of a gap inside one does not count.
  std::vector<std::pair<Timestamp, Timestamp>> holidays;
};

}  // namespace pw
