#include "common/time_zone.h"

#include <array>
#include <utility>

namespace pw {

Result<TimeZone> TimeZone::fromName(std::string_view name) {
  using std::chrono::hours;
  using std::chrono::minutes;
  static const std::array<std::pair<std::string_view, minutes>, 11> kFixed = {{
      {"Asia/Shanghai", hours(8)},
      {"Asia/Chongqing", hours(8)},
      {"Asia/Harbin", hours(8)},
      {"PRC", hours(8)},
      {"Asia/Hong_Kong", hours(8)},
      {"Asia/Macau", hours(8)},
      {"Asia/Taipei", hours(8)},
      {"Asia/Singapore", hours(8)},
      {"UTC", minutes(0)},
      {"Etc/UTC", minutes(0)},
      {"Z", minutes(0)},
  }};
  for (auto& [zone, offset] : kFixed) {
    if (zone == name) return TimeZone{std::string(name), offset};
  }
  // "+HH:MM" / "-HH:MM"
  if (name.size() == 6 && (name[0] == '+' || name[0] == '-') && name[3] == ':') {
    auto digit = [&](size_t i) { return name[i] >= '0' && name[i] <= '9'; };
    if (digit(1) && digit(2) && digit(4) && digit(5)) {
      int h = (name[1] - '0') * 10 + (name[2] - '0');
      int m = (name[4] - '0') * 10 + (name[5] - '0');
      if (h <= 14 && m < 60) {
        minutes off = hours(h) + minutes(m);
        return TimeZone{std::string(name), name[0] == '-' ? -off : off};
      }
    }
  }
  return makeError(ErrorCode::invalid_input,
                   "unsupported time zone '" + std::string(name) +
                       "': use Asia/Shanghai (or another zone without daylight-saving time such "
                       "as Asia/Hong_Kong, Asia/Taipei, UTC) or an offset like \"+08:00\"");
}

}  // namespace pw
