#pragma once
#include <filesystem>
#include <string>

namespace pw {

/// Sets up the main log: to `file` if given, else stderr. Under systemd
/// (stderr is the stream JOURNAL_STREAM names) each line starts with its
/// syslog priority ("<4>") and carries no timestamp, since the journal adds one.
void setupLogging(const std::string& level, const std::filesystem::path& file = {});
/// Reopens the log file after logrotate moved it (no-op for stderr).
bool reopenLogFile();
bool stderrIsJournal();

}  // namespace pw
