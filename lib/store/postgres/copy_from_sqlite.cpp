#include "store/postgres/copy_from_sqlite.h"

#include "store/postgres/copy_rows.h"
#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite_export.h"
#include "store/sqlite_store.h"

#include <pqxx/pqxx>

#include <limits>
#include <map>

namespace pw::pg {

namespace {

constexpr std::int64_t kStart = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kDifferencesShown = 5;

std::string text(const ExportValue& v) {
  const auto* s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

// Refused before anything is written: rows of another database under the same ids would be
// skipped as "already copied", and the result would be a mix of both.
Result<void> checkTargetParcels(pqxx::connection_base& conn, SqliteExport& source,
                                const std::filesystem::path& file, int pageRows) {
  std::vector<std::string> foreign;
  std::int64_t after = kStart;
  while (foreign.size() < kDifferencesShown) {
    pqxx::read_transaction tx(conn);
    auto rows = tx.exec_params(
        "SELECT id, tracking_number, carrier FROM parcels WHERE id > $1 ORDER BY id LIMIT $2",
        after, pageRows);
    tx.commit();
    if (rows.empty()) break;
    auto first = rows.front()[0].as<std::int64_t>();
    after = rows.back()[0].as<std::int64_t>();
    auto mine = source.parcelIdentities(first, after);
    if (!mine) return mine.error();
    std::map<std::int64_t, std::pair<std::string, std::string>> byId;
    for (const auto& r : *mine) byId[std::get<std::int64_t>(r[0])] = {text(r[1]), text(r[2])};
    for (const auto& row : rows) {
      auto id = row[0].as<std::int64_t>();
      std::string there = std::string(row[1].c_str()) + " (" + row[2].c_str() + ")";
      auto it = byId.find(id);
      if (it == byId.end())
        foreign.push_back("parcel " + std::to_string(id) + " " + there + " is not in the file");
      else if (it->second.first != row[1].c_str() || it->second.second != row[2].c_str())
        foreign.push_back("parcel " + std::to_string(id) + " is " + there + " there but " +
                          it->second.first + " (" + it->second.second + ") in the file");
      if (foreign.size() == kDifferencesShown) break;
    }
  }
  if (foreign.empty()) return {};
  std::string message =
      "the PostgreSQL database already holds parcels that are not from " + file.string() + ": ";
  for (std::size_t i = 0; i < foreign.size(); ++i) message += (i ? "; " : "") + foreign[i];
  return makeError(ErrorCode::conflict,
                   message + " (copy into an empty database, or the one an earlier run filled)");
}

struct TableRun {
  TableCount count;
  bool stopped = false;
};

// A page the target holds in full (same number of rows in its key range; ids are the file's,
// the parcels were checked to be the file's) was written by an earlier run and is not sent.
Result<void> copyTable(pqxx::connection_base& conn, SqliteExport& source, const std::string& table,
                       const CopyOptions& options, int& pagesWritten, TableRun& run) {
  auto total = source.rowCount(table);
  if (!total) return total.error();
  std::int64_t after = kStart, done = 0;
  std::string afterText;
  while (true) {
    auto page = source.page(table, after, afterText, options.page_rows);
    if (!page) return page.error();
    if (page->rows.empty()) break;
    after = page->next_after;
    afterText = page->next_after_text;
    done += static_cast<std::int64_t>(page->rows.size());
    pqxx::work tx(conn, "copy " + table);
    bool present = false;
    if (SqliteExport::keyedById(table)) {
      auto first = std::get<std::int64_t>(page->rows.front()[0]);
      auto last = std::get<std::int64_t>(page->rows.back()[0]);
      present = countKeyRange(tx, table, page->columns[0], first, last) ==
                static_cast<std::int64_t>(page->rows.size());
    }
    if (!present) {
      run.count.copied += insertPage(tx, table, *page);
      tx.commit();
      ++pagesWritten;
    }
    if (options.progress) options.progress(table, done, *total);
    if (options.stop_after_pages > 0 && pagesWritten >= options.stop_after_pages) {
      run.stopped = true;
      return {};
    }
  }
  return {};
}

// Keeping ids means the sequences never handed them out: without this the next parcel, task or
// outbox row would collide with a copied one. Never moved backwards, and the outbox's never
// below the highest seq the file handed out (pruned rows included): a follower resuming from
// such a seq must not see it reused.
void setSequences(pqxx::connection_base& conn, std::int64_t outboxFloor) {
  static const std::pair<const char*, const char*> kSerials[] = {
      {"parcels", "id"}, {"events", "id"}, {"exceptions", "id"},
      {"tasks", "id"},   {"claims", "id"}, {"outbox", "seq"}};
  pqxx::work tx(conn, "copy sequences");
  for (const auto& [table, column] : kSerials) {
    std::int64_t floor = std::string(table) == "outbox" ? outboxFloor : 0;
    tx.exec_params(
        "SELECT setval(q.s, m.v) FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS s) q, "
        "LATERAL (SELECT GREATEST($3::bigint, coalesce(pg_sequence_last_value(q.s), 0), "
        "(SELECT coalesce(max(" +
            tx.quote_name(column) + "), 0) FROM " + tx.quote_name(table) +
            ")) AS v) m WHERE m.v > 0",
        std::string(table), std::string(column), floor);
  }
  tx.commit();
}

void compareCounts(const std::string& what, const std::map<std::string, std::int64_t>& source,
                   const std::map<std::string, std::int64_t>& target,
                   std::vector<std::string>& differences) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> both;
  for (const auto& [k, v] : source) both[k].first = v;
  for (const auto& [k, v] : target) both[k].second = v;
  for (const auto& [k, v] : both)
    if (v.first != v.second)
      differences.push_back(what + " " + k + ": sqlite " + std::to_string(v.first) + ", postgres " +
                            std::to_string(v.second));
}

Result<void> verify(pqxx::connection_base& conn, SqliteStore& sqlite, PostgresStore& postgres,
                    CopyReport& report) {
  {
    pqxx::read_transaction tx(conn);
    for (auto& t : report.tables) {
      t.target = tx.exec1("SELECT count(*) FROM " + tx.quote_name(t.table))[0].as<std::int64_t>();
      if (t.source != t.target)
        report.differences.push_back(t.table + ": sqlite " + std::to_string(t.source) +
                                     " rows, postgres " + std::to_string(t.target));
    }
  }
  auto s = sqlite.counts();
  if (!s) return s.error();
  auto p = postgres.counts();
  if (!p) return p.error();
  report.source_counts = *s;
  report.target_counts = *p;
  compareCounts("parcels by stage", s->parcels_by_stage, p->parcels_by_stage, report.differences);
  compareCounts("open exceptions by kind", s->open_exceptions_by_kind, p->open_exceptions_by_kind,
                report.differences);
  compareCounts("tasks by state", s->tasks_by_state, p->tasks_by_state, report.differences);
  compareCounts("counted", {{"events", s->events}}, {{"events", p->events}}, report.differences);
  return {};
}

}  // namespace

Result<CopyReport> copySqliteToPostgres(const std::filesystem::path& sqliteFile,
                                        const std::string& conninfo, const CopyOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqliteFile, ec))
    return makeError(ErrorCode::not_found, sqliteFile.string() + ": no SQLite database there");
  auto sqlite = SqliteStore::open(sqliteFile);  // brings an older schema up to date
  if (!sqlite) return sqlite.error();
  auto source = SqliteExport::open(sqliteFile);
  if (!source) return source.error();
  auto postgres = PostgresStore::open(conninfo);  // applies the schema
  if (!postgres) return postgres.error();
  try {
    pqxx::connection conn(conninfo);
    if (auto ok = checkTargetParcels(conn, **source, sqliteFile, options.page_rows); !ok)
      return ok.error();
    CopyReport report;
    int pagesWritten = 0;
    for (const auto& table : SqliteExport::tables()) {
      TableRun run;
      run.count.table = table;
      if (auto ok = copyTable(conn, **source, table, options, pagesWritten, run); !ok)
        return ok.error();
      auto rows = (*source)->rowCount(table);
      if (!rows) return rows.error();
      run.count.source = *rows;
      report.tables.push_back(run.count);
      if (run.stopped) return report;
    }
    auto high = (*source)->outboxHighSeq();
    if (!high) return high.error();
    setSequences(conn, *high);
    report.complete = true;
    if (auto ok = verify(conn, **sqlite, **postgres, report); !ok) return ok.error();
    return report;
  } catch (...) {
    return errorFromCurrentException("copy into PostgreSQL");
  }
}

}  // namespace pw::pg
