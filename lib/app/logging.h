#pragma once
#include <string>

namespace pw {

/// Sets up the main log on stderr. Under systemd (JOURNAL_STREAM set) lines
/// carry no timestamp of their own, since the journal adds one.
void setupLogging(const std::string& level);

}  // namespace pw
