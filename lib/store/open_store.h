#pragma once
// Which store a node uses is configuration (store.backend): the parts above talk to Store and
// never name a backend; this is the one place that does.
#include "common/result.h"
#include "config/config.h"
#include "store/store.h"

#include <memory>
#include <string>

namespace pw {

/// Opens the configured store: SQLite at daemon.state_dir/parcelwatch.db, or the PostgreSQL
/// database at store.postgres.conninfo. Both apply missing schema steps on open under a lock
/// (SQLite's write lock, a PostgreSQL advisory lock), so nodes starting together apply each
/// step once. Each call is a new connection (one per thread).
Result<std::unique_ptr<Store>> openStore(const Config& config,
                                         const StoreOptions& options = StoreOptions());

/// Where the store is, for logs: the SQLite file, or "postgres" with the database's name (never
/// the conninfo, which may hold a password).
std::string describeStore(const Config& config);

}  // namespace pw
