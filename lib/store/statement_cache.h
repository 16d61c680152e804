#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace pw::store {

/// Makes a statement given back ready for its next use: reset, bindings
/// cleared. A statement left stepped would keep its read transaction (and
/// its snapshot) open.
void readyForReuse(SQLite::Statement& statement) noexcept;

/// Statements prepared once per connection and reused: preparing costs more
/// than running most of the store's statements. `S` is SQLiteCpp's
/// statement, or RawStatement for the reads that step millions of rows.
template <class S>
class PreparedCache {
 public:
  explicit PreparedCache(SQLite::Database& db) : db_(db) {}
  PreparedCache(const PreparedCache&) = delete;
  PreparedCache& operator=(const PreparedCache&) = delete;

  /// A statement borrowed for one use; giving it back makes it ready for
  /// the next (readyForReuse).
  class Use {
   public:
    Use(Use&& other) noexcept
        : statement_(other.statement_), busy_(other.busy_), own_(std::move(other.own_)) {
      other.statement_ = nullptr;
      other.busy_ = nullptr;
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Use& operator=(Use&&) = delete;
    ~Use() {
      if (!statement_) return;
      readyForReuse(*statement_);
      if (busy_) *busy_ = false;
    }
    S& operator*() const { return *statement_; }
    S* operator->() const { return statement_; }

   private:
    friend class PreparedCache;
    Use(S* statement, bool* busy, std::unique_ptr<S> own)
        : statement_(statement), busy_(busy), own_(std::move(own)) {}
    S* statement_;
    bool* busy_;  // the cache's flag for this statement; null for a one-off
    std::unique_ptr<S> own_;
  };

  Use get(const std::string& sql) { return use(entryFor(sql), sql); }

  /// A statement named by a string literal, found by the literal's address. The
  /// hot path runs about 20 statements a result: each was copied into a
  /// std::string and hashed whole to be found.
  template <std::size_t N>
  Use get(const char (&sql)[N]) {
    Entry*& e = byAddress_[sql];
    if (!e) e = &entryFor(std::string(sql, N - 1));
    return use(*e, sql);
  }

  /// The same for a text built once that outlives the cache (a function's static).
  Use getStatic(const std::string& sql) {
    Entry*& e = byAddress_[sql.c_str()];
    if (!e) e = &entryFor(sql);
    return use(*e, sql);
  }

 private:
  struct Entry {
    Entry(SQLite::Database& db, const std::string& sql) : statement(db, sql) {}
    S statement;
    bool busy = false;
  };
  Entry& entryFor(const std::string& sql) {
    auto it = entries_.find(sql);
    if (it == entries_.end()) it = entries_.emplace(sql, std::make_unique<Entry>(db_, sql)).first;
    return *it->second;
  }

  Use use(Entry& e, const std::string& sql) {
    // The same statement needed twice at once (a nested read): a one-off copy.
    if (e.busy) {
      auto own = std::make_unique<S>(db_, sql);
      auto* raw = own.get();
      return Use(raw, nullptr, std::move(own));
    }
    e.busy = true;
    return Use(&e.statement, &e.busy, nullptr);
  }

  SQLite::Database& db_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
  std::unordered_map<const char*, Entry*> byAddress_;  // literals; entries_ owns
};

using StatementCache = PreparedCache<SQLite::Statement>;

}  // namespace pw::store
