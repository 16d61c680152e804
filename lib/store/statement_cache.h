#pragma once
#include <memory>
#include <string>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace pw::store {

/// Statements prepared once per connection and reused: preparing costs more
/// than running most of the store's statements.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  /// A statement borrowed for one use. Giving it back resets it: a statement
  /// left stepped would keep its read transaction (and its snapshot) open.
  class Use {
   public:
    Use(Use&& other) noexcept;
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Use& operator=(Use&&) = delete;
    ~Use();
    SQLite::Statement& operator*() const { return *statement_; }
    SQLite::Statement* operator->() const { return statement_; }

   private:
    friend class StatementCache;
    Use(SQLite::Statement* statement, bool* busy, std::unique_ptr<SQLite::Statement> own);
    SQLite::Statement* statement_;
    bool* busy_;  // the cache's flag for this statement; null for a one-off
    std::unique_ptr<SQLite::Statement> own_;
  };

  Use get(const std::string& sql);

 private:
  struct Entry;
  SQLite::Database& db_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace pw::store
