#pragma once
// A prepared statement read through SQLite's C API, for the few reads that
// step millions of rows (timelines, parcel pages). SQLiteCpp's getColumn
// builds a Column that copies a shared_ptr to the statement, two atomic
// operations per column read: with 14 columns per event that was an eighth
// of a reassessment's screening time.
#include "store/statement_cache.h"

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace pw::store {

class RawStatement {
 public:
  /// Throws SQLite::Exception when `sql` does not prepare.
  RawStatement(SQLite::Database& db, const std::string& sql);
  ~RawStatement();
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;

  void bind(int index, std::int64_t value);
  /// The next row; false when there is none. Throws SQLite::Exception.
  bool step();
  /// Ends the read (and the snapshot it holds) and drops the bindings.
  void reset() noexcept;

  // Columns count from 0, as in SQLiteCpp.
  bool isNull(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  /// Valid until the next step or reset.
  std::string_view text(int column) const;
  std::string string(int column) const { return std::string(text(column)); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Reset, bindings dropped (see PreparedCache).
void readyForReuse(RawStatement& statement) noexcept;

using RawStatementCache = PreparedCache<RawStatement>;

}  // namespace pw::store
