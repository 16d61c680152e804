#pragma once
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
}

namespace pw::store {

/// One schema step: SQL, or code for what SQL alone does not do.
struct Migration {
  std::string_view sql;
  void (*run)(SQLite::Database&) = nullptr;
};

/// Schema steps, applied in order; `PRAGMA user_version` records how many ran.
/// Never edit a released step: add a new one.
const std::vector<Migration>& migrations();

/// Step 7: the lean schema of issue 11 (texts and short values stored once,
/// events identified by a content hash, messages kept as facts, counts kept
/// by triggers, the due queue). Needs the connection's pw_hash() function.
void toVersion8(SQLite::Database& db);

}  // namespace pw::store
