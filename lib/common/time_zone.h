#pragma once
// Carriers report local wall-clock times with no zone. The zones Chinese
// carriers use (Asia/Shanghai and its aliases, Hong Kong, Macau, Taipei) have
// had no daylight-saving time since 1991, so a fixed UTC offset converts them
// exactly; GCC 12 has no std::chrono time-zone database to do more. Zones with
// DST are refused at configuration time rather than converted wrongly.
#include "common/result.h"

#include <chrono>
#include <string>

namespace pw {

struct TimeZone {
  std::string name;
  std::chrono::minutes offset{0};

  static TimeZone shanghai() { return TimeZone{"Asia/Shanghai", std::chrono::hours(8)}; }
  static TimeZone utc() { return TimeZone{"UTC", std::chrono::minutes(0)}; }

  /// Accepts "Asia/Shanghai" and the other fixed-offset zones listed in
  /// time_zone.cpp, "UTC", or an explicit offset such as "+08:00".
  static Result<TimeZone> fromName(std::string_view name);
};

}  // namespace pw
