#include "common/duration.h"

#include <limits>

namespace pw {

Result<Seconds> parseDuration(std::string_view text) {
  auto bad = [&](std::string why) {
    return makeError(
        ErrorCode::invalid_input,
        "bad duration '" + std::string(text) + "': " + why +
            " (use a number with a unit s, m, h or d, e.g. \"90s\", \"48h\", \"1d12h\")");
  };
  if (text.empty()) return bad("empty");
  long long total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    long long value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > std::numeric_limits<int>::max()) return bad("too large");
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return bad("expected a number at position " + std::to_string(start + 1));
    if (i == text.size()) return bad("missing unit after " + std::to_string(value));
    long long unit = 0;
    switch (text[i]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad(std::string("unknown unit '") + text[i] + "'");
    }
    ++i;
    total += value * unit;
    if (total > 10LL * 365 * 86400) return bad("longer than ten years");
  }
  return Seconds(total);
}

std::string formatDuration(Seconds d) {
  long long s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  const struct {
    long long size;
    char unit;
  } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto u : units) {
    if (s >= u.size) {
      out += std::to_string(s / u.size) + u.unit;
      s %= u.size;
    }
  }
  return out;
}

}  // namespace pw
