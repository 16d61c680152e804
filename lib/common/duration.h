#pragma once
// Durations in configuration and on the wire are short strings: "90s", "30m",
// "48h", "3d", or combinations such as "1d12h".
#include "common/clock.h"
#include "common/result.h"

#include <string>
#include <string_view>

namespace pw {

Result<Seconds> parseDuration(std::string_view text);

/// Largest units first, zero parts left out: 90061s -> "1d1h1m1s", 0 -> "0s".
std::string formatDuration(Seconds d);

}  // namespace pw
