#include "store/postgres/copy_rows.h"

#include <pqxx/pqxx>

#include <charconv>

namespace pw::pg {

namespace {

// Values go into the statement as literals: one statement per page, a few thousand rows, is
// one round trip, where a prepared statement per row is thousands. Text is quoted by libpq's
// own escaping; numbers are written exactly (a real as the shortest text that reads back the
// same double).
std::string literal(pqxx::transaction_base& tx, const ExportValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr) + "::double precision";
  }
  if (const auto* s = std::get_if<std::string>(&v)) return tx.quote(*s);
  return "NULL";
}

// PostgreSQL keys a dropped event by a hash of its texts (pg_migrations.cpp, step 1's
// events.content_hash and pw_insert_event): computed here by the same expression.
std::string droppedEventRow(pqxx::transaction_base& tx, const ExportRow& row) {
  std::string d = literal(tx, row.at(2)), l = literal(tx, row.at(3));
  return "(" + literal(tx, row.at(0)) + ", " + literal(tx, row.at(1)) + ", md5(length(" + d +
         "::text)::text || ':' || " + d + "::text || " + l + "::text))";
}

}  // namespace

std::int64_t insertPage(pqxx::transaction_base& tx, const std::string& table,
                        const ExportPage& page) {
  if (page.rows.empty()) return 0;
  std::string sql = "INSERT INTO " + tx.quote_name(table) + " (";
  if (table == "dropped_events") {
    sql += "parcel_id, time, content_hash";
  } else {
    for (std::size_t i = 0; i < page.columns.size(); ++i)
      sql += (i ? ", " : "") + tx.quote_name(page.columns[i]);
  }
  sql += ") VALUES ";
  for (std::size_t r = 0; r < page.rows.size(); ++r) {
    if (r) sql += ",\n";
    if (table == "dropped_events") {
      sql += droppedEventRow(tx, page.rows[r]);
      continue;
    }
    sql += '(';
    for (std::size_t c = 0; c < page.rows[r].size(); ++c)
      sql += (c ? ", " : "") + literal(tx, page.rows[r][c]);
    sql += ')';
  }
  sql += " ON CONFLICT DO NOTHING";
  return static_cast<std::int64_t>(tx.exec0(sql).affected_rows());
}

std::int64_t countKeyRange(pqxx::transaction_base& tx, const std::string& table,
                           const std::string& keyColumn, std::int64_t first, std::int64_t last) {
  return tx
      .exec_params1("SELECT count(*) FROM " + tx.quote_name(table) + " WHERE " +
                        tx.quote_name(keyColumn) + " BETWEEN $1 AND $2",
                    first, last)[0]
      .as<std::int64_t>();
}

}  // namespace pw::pg
