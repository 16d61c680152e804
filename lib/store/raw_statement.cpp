#include "store/raw_statement.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace pw::store {

RawStatement::RawStatement(SQLite::Database& db, const std::string& sql) : db_(db.getHandle()) {
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    throw SQLite::Exception(db_, rc);
  }
}

RawStatement::~RawStatement() { sqlite3_finalize(stmt_); }

void RawStatement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value));
  if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
}

bool RawStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SQLite::Exception(db_, rc);
}

void RawStatement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool RawStatement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t RawStatement::int64(int column) const {
  return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, column));
}

double RawStatement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view RawStatement::text(int column) const {
  // The text before its length: sqlite3_column_bytes after it is the length
  // of that same conversion.
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

void readyForReuse(RawStatement& statement) noexcept { statement.reset(); }

}  // namespace pw::store
