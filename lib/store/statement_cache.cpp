#include "store/statement_cache.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

struct StatementCache::Entry {
  SQLite::Statement statement;
  bool busy = false;
};

StatementCache::StatementCache(SQLite::Database& db) : db_(db) {}
StatementCache::~StatementCache() = default;

StatementCache::Use::Use(SQLite::Statement* statement, bool* busy,
                         std::unique_ptr<SQLite::Statement> own)
    : statement_(statement), busy_(busy), own_(std::move(own)) {}

StatementCache::Use::Use(Use&& other) noexcept
    : statement_(other.statement_), busy_(other.busy_), own_(std::move(other.own_)) {
  other.statement_ = nullptr;
  other.busy_ = nullptr;
}

StatementCache::Use::~Use() {
  if (!statement_) return;
  statement_->tryReset();
  try {
    statement_->clearBindings();
  } catch (...) {  // sqlite3_clear_bindings cannot fail; nothing to report from a destructor
  }
  if (busy_) *busy_ = false;
}

StatementCache::Use StatementCache::get(const std::string& sql) {
  auto it = entries_.find(sql);
  if (it == entries_.end())
    it =
        entries_.emplace(sql, std::unique_ptr<Entry>(new Entry{SQLite::Statement(db_, sql)})).first;
  Entry& e = *it->second;
  // The same statement needed twice at once (a nested read): a one-off copy.
  if (e.busy) {
    auto own = std::make_unique<SQLite::Statement>(db_, sql);
    auto* raw = own.get();
    return Use(raw, nullptr, std::move(own));
  }
  e.busy = true;
  return Use(&e.statement, &e.busy, nullptr);
}

}  // namespace pw::store
