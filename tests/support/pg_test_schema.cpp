#include "support/pg_test_schema.h"

#include <unistd.h>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>

namespace pw::test {

namespace {

void maintenance(const std::string& sql) {
  pqxx::connection conn;
  pqxx::nontransaction tx(conn);
  tx.exec0(sql);
}

}  // namespace

std::optional<std::string> postgresUnavailable() {
  if (std::getenv("PGHOST") || std::getenv("PGDATABASE")) return std::nullopt;
  return std::string(
      "no PostgreSQL server configured (PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE unset): "
      "run under pg_virtualenv, e.g. `pg_virtualenv -t ctest --test-dir build -L postgres`, "
      "as `.ci/dev test` does");
}

PgTestSchema::PgTestSchema() {
  static std::atomic<int> counter{0};
  name_ = "pw_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  // DROP first: a crashed run whose pid came round again.
  maintenance("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
}

PgTestSchema::~PgTestSchema() {
  try {
    maintenance("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping test schema " << name_ << ": " << e.what();
  }
}

}  // namespace pw::test
