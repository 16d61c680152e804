#pragma once
#include <string_view>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace pw::pg {

/// Schema steps for PostgreSQL, applied in order; `schema_migrations` records each one applied.
/// Never edit a released step: add a new one.
const std::vector<std::string_view>& migrations();

/// Applies the missing steps in one transaction under a transaction-level advisory lock, so
/// nodes starting together apply each step once (the others wait, then find nothing to do) and
/// a node that dies mid-way leaves the schema as it was. Throws (pqxx) on failure, and
/// ErrorException when the database's schema is newer than this build knows.
void migrate(pqxx::connection_base& conn);

/// The number of steps this build knows (the schema version it migrates to).
int knownSchemaVersion();

}  // namespace pw::pg
