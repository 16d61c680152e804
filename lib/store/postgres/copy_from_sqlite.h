#pragma once
// `parcelwatchd --migrate-to-postgres`: copies a SQLite database into a PostgreSQL one, keeping
// every id (the task and exception ids operators have seen, outbox seqs followers resume from).
//
// Idempotent and resumable: tables are copied parents first, each in key order, a page (a few
// thousand rows) per transaction that skips rows already there (ON CONFLICT DO NOTHING), and a
// page whose key range the target already holds in full is not sent again. A run killed midway
// leaves whole pages; running again fills in what is missing, however many times. The triggers
// that keep PostgreSQL's counters fire only for rows added, so counters stay right too.
//
// Verified: afterwards every table's rows are counted on both sides and the stores' counts()
// compared; the report says what differs. Needs a quiet source (no daemon writing it: the caller
// holds the instance lock) and a target no daemon uses until the copy is verified.
#include "common/result.h"
#include "store/store.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pw::pg {

struct CopyOptions {
  int page_rows = 2000;
  /// Stops after this many pages were written (0: never), as a run killed midway would;
  /// for tests of resuming.
  int stop_after_pages = 0;
  /// Rows of `table` read so far out of `total`, after each page.
  std::function<void(const std::string& table, std::int64_t done, std::int64_t total)> progress;
};

struct TableCount {
  std::string table;
  std::int64_t source = 0;
  std::int64_t target = 0;
  std::int64_t copied = 0;  // rows this run added
};

struct CopyReport {
  std::vector<TableCount> tables;
  StoreCounts source_counts, target_counts;
  /// False when stopped by stop_after_pages: nothing was verified.
  bool complete = false;
  /// What differs between source and target; empty when the copy is verified.
  std::vector<std::string> differences;
  bool verified() const { return complete && differences.empty(); }
};

/// Copies `sqliteFile` (brought to the current schema first) into the database `conninfo` names
/// (its schema applied first). A target holding parcels that are not this file's (an id with
/// another number, an id the file does not have) is refused with ErrorCode::conflict before
/// anything is written. Errors never contain the conninfo.
Result<CopyReport> copySqliteToPostgres(const std::filesystem::path& sqliteFile,
                                        const std::string& conninfo,
                                        const CopyOptions& options = {});

}  // namespace pw::pg
