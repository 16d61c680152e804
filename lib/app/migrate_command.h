#pragma once
// `parcelwatchd --migrate-to-postgres CONNINFO`: the operator's side of copying the daemon's
// SQLite database (daemon.state_dir/parcelwatch.db) into PostgreSQL: the conninfo resolved like
// a configured secret, the instance lock taken, progress on stderr, the counts table on stdout,
// an exit code for each way it can end. The copy itself: store/postgres/copy_from_sqlite.h.
#include "config/config.h"

#include <iosfwd>
#include <string>

namespace pw {

/// Exit codes: 0 copied and verified; 1 copied but the counts differ (listed on stderr);
/// 64 bad conninfo argument; 65 the target holds parcels not from this file; 66 no SQLite
/// database in state_dir; 70 could not run (a daemon holds the lock, PostgreSQL unreachable,
/// a failed statement, a build without PostgreSQL). The conninfo is never printed.
int migrateToPostgres(const Config& config, const std::string& conninfoArgument, std::ostream& out,
                      std::ostream& err);

}  // namespace pw
