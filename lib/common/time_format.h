#pragma once
// Strict parsers and formatters for the few time shapes we meet: RFC 3339 on
// our own interfaces, and carriers' local "YYYY-MM-DD HH:MM:SS" text.
#include "common/clock.h"
#include "common/result.h"
#include "common/time_zone.h"

#include <string>
#include <string_view>

namespace pw {

/// "2024-05-06T12:00:00+08:00", "...Z", fractional seconds dropped.
Result<Timestamp> parseRfc3339(std::string_view text);
/// UTC with a 'Z': "2024-05-06T04:00:00Z".
std::string formatRfc3339(Timestamp t);

/// A carrier's local time "YYYY-MM-DD HH:MM:SS" (seconds optional; '/' accepted
/// as the date separator) in the given zone.
Result<Timestamp> parseLocalDateTime(std::string_view text, const TimeZone& zone);
/// "YYYY-MM-DD HH:MM:SS" in the given zone, as carriers write it.
std::string formatLocalDateTime(Timestamp t, const TimeZone& zone);
/// "YYYY-MM-DD HH:MM" in the given zone, for messages to people.
std::string formatLocalMinutes(Timestamp t, const TimeZone& zone);

}  // namespace pw
