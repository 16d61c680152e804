#pragma once
// The SQLite store's rows as a store without its dictionaries keeps them (the PostgreSQL store:
// lib/store/postgres/copy_from_sqlite.h): event texts, places and task reasons spelled out, task
// messages rendered from their templates, an open exception's evidence as the events themselves
// (a JSON array of eventToJson objects) instead of their hashed identities. Read a page at a
// time in key order, so a copy of a million parcels never holds much in memory.
//
// Reads only, on a connection of its own; the file is expected quiet (no daemon writing), as
// pages are separate statements and not one snapshot. SQLiteCpp throws; nothing leaves this
// class as an exception.
#include "common/result.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace SQLite {
class Database;
}

namespace pw {

namespace store {
struct State;
}

/// One value as read: NULL, an integer, a real or text.
using ExportValue = std::variant<std::monostate, std::int64_t, double, std::string>;
using ExportRow = std::vector<ExportValue>;

struct ExportPage {
  std::vector<std::string> columns;  // the target's column names, in row order
  std::vector<ExportRow> rows;
  /// Where the next page starts (pass it back as `after`); unchanged when the page is empty.
  std::int64_t next_after = 0;
  std::string next_after_text;
};

class SqliteExport {
 public:
  /// The tables that carry data, parents before children (foreign keys).
  static const std::vector<std::string>& tables();
  /// Whether a table's rows are keyed by the integer in their first column (ids, outbox seq):
  /// a page of such a table covers a key range another store can count.
  static bool keyedById(const std::string& table);

  /// Opens an existing file read-only. Call SqliteStore::open on it first: that brings an
  /// older schema up to date, which a read-only connection cannot.
  static Result<std::unique_ptr<SqliteExport>> open(const std::filesystem::path& file);
  ~SqliteExport();
  SqliteExport(const SqliteExport&) = delete;
  SqliteExport& operator=(const SqliteExport&) = delete;

  /// Rows of `table` after the key (`after`, or `afterText` for a table keyed by text) in key
  /// order, at most `limit` rows (dropped_events: the rows of at most `limit` parcels, so a
  /// parcel's rows never straddle two pages). Start with after = INT64_MIN and afterText "".
  Result<ExportPage> page(const std::string& table, std::int64_t after,
                          const std::string& afterText, int limit);
  Result<std::int64_t> rowCount(const std::string& table);
  /// The highest outbox seq ever handed out (AUTOINCREMENT remembers it after pruning): the
  /// copy's sequence must not hand it out again.
  Result<std::int64_t> outboxHighSeq();
  /// (id, tracking_number, carrier) of the parcels with first <= id <= last, by id.
  Result<std::vector<ExportRow>> parcelIdentities(std::int64_t first, std::int64_t last);

 private:
  explicit SqliteExport(std::unique_ptr<SQLite::Database> db);
  void finishTasks(ExportPage& page);
  void finishExceptions(ExportPage& page);
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<store::State> s_;
};

}  // namespace pw
