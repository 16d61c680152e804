#pragma once
// The PostgreSQL half of copying a SQLite database: one page of exported rows written as one
// statement that skips rows already there, and the count that tells whether a page is there.
#include "store/sqlite_export.h"

#include <cstdint>
#include <string>

namespace pqxx {
class transaction_base;
}

namespace pw::pg {

/// Inserts the page's rows into `table` (the columns the page names), skipping any row that
/// conflicts with one already there (ON CONFLICT DO NOTHING): a page copied twice adds nothing.
/// Returns the rows added. Throws (libpqxx).
std::int64_t insertPage(pqxx::transaction_base& tx, const std::string& table,
                        const ExportPage& page);

/// Rows of `table` whose key (the integer first column of its pages, `keyColumn`) lies in
/// [first, last]. Throws (libpqxx).
std::int64_t countKeyRange(pqxx::transaction_base& tx, const std::string& table,
                           const std::string& keyColumn, std::int64_t first, std::int64_t last);

}  // namespace pw::pg
