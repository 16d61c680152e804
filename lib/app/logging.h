#pragma once
#include <string>

namespace pw {

/// Sets up the main log on stderr. Under systemd (stderr is the stream
/// JOURNAL_STREAM names) each line starts with its syslog priority ("<4>")
/// and carries no timestamp of its own, since the journal adds one.
void setupLogging(const std::string& level);
bool stderrIsJournal();

}  // namespace pw
