#include "app/migrate_command.h"

#include "app/instance_lock.h"
#include "config/config_loader.h"
#ifdef PW_HAVE_POSTGRES
#include "store/postgres/conninfo_redact.h"
#include "store/postgres/copy_from_sqlite.h"
#endif

#include <sysexits.h>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>

namespace pw {

#ifdef PW_HAVE_POSTGRES
namespace {

std::string row(const std::string& what, std::int64_t source, std::int64_t target) {
  char line[160];
  std::snprintf(line, sizeof line, "%-36s %12lld %12lld%s\n", what.c_str(),
                static_cast<long long>(source), static_cast<long long>(target),
                source == target ? "" : "   differs");
  return line;
}

void addCounts(std::string& table, const std::string& what,
               const std::map<std::string, std::int64_t>& source,
               const std::map<std::string, std::int64_t>& target) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> both;
  for (const auto& [k, v] : source) both[k].first = v;
  for (const auto& [k, v] : target) both[k].second = v;
  for (const auto& [k, v] : both) table += row(what + " " + k, v.first, v.second);
}

std::string countsTable(const pg::CopyReport& report) {
  char header[160];
  std::snprintf(header, sizeof header, "%-36s %12s %12s\n", "rows", "sqlite", "postgres");
  std::string table = header;
  for (const auto& t : report.tables) table += row(t.table, t.source, t.target);
  std::snprintf(header, sizeof header, "%-36s %12s %12s\n", "counters", "sqlite", "postgres");
  table += header;
  const auto& s = report.source_counts;
  const auto& p = report.target_counts;
  addCounts(table, "parcels", s.parcels_by_stage, p.parcels_by_stage);
  addCounts(table, "open", s.open_exceptions_by_kind, p.open_exceptions_by_kind);
  addCounts(table, "tasks", s.tasks_by_state, p.tasks_by_state);
  table += row("events", s.events, p.events);
  return table;
}

int exitCodeOf(const Error& e) {
  if (e.code == ErrorCode::conflict) return EX_DATAERR;
  if (e.code == ErrorCode::not_found) return EX_NOINPUT;
  return EX_SOFTWARE;
}

}  // namespace
#endif

int migrateToPostgres(const Config& config, const std::string& conninfoArgument, std::ostream& out,
                      std::ostream& err) {
#ifndef PW_HAVE_POSTGRES
  (void)config;
  (void)conninfoArgument;
  (void)out;
  err << "parcelwatchd: --migrate-to-postgres: this parcelwatchd was built without PostgreSQL "
         "(PW_POSTGRES=OFF)\n";
  return EX_SOFTWARE;
#else
  std::error_code ec;
  auto conninfo = resolveSecret(conninfoArgument, std::filesystem::current_path(ec));
  if (!conninfo) {
    err << "parcelwatchd: --migrate-to-postgres: " << conninfo.error().message << "\n";
    return EX_USAGE;
  }
  const auto file = config.daemon.state_dir / "parcelwatch.db";
  if (!std::filesystem::is_regular_file(file, ec)) {
    err << "parcelwatchd: --migrate-to-postgres: no SQLite database at " << file.string()
        << " (daemon.state_dir of the configuration given with -c)\n";
    return EX_NOINPUT;
  }
  // The copy needs a quiet source: holding the daemon's lock refuses a running daemon and keeps
  // one from starting until the copy is done.
  std::optional<InstanceLock> lock;
  try {
    lock.emplace(config.daemon.state_dir / "parcelwatchd.lock");
  } catch (const std::exception& e) {
    err << "parcelwatchd: --migrate-to-postgres: " << e.what()
        << "; stop it first: the copy needs a database nobody writes\n";
    return EX_SOFTWARE;
  }

  pg::CopyOptions options;
  auto lastShown = std::chrono::steady_clock::now();
  options.progress = [&](const std::string& table, std::int64_t done, std::int64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - lastShown < std::chrono::seconds(1)) return;
    lastShown = now;
    err << "copy: " << table << " " << done << "/" << total << " rows\n" << std::flush;
  };
  auto start = std::chrono::steady_clock::now();
  auto report = pg::copySqliteToPostgres(file, *conninfo, options);
  if (!report) {
    err << "parcelwatchd: --migrate-to-postgres: "
        << pg::withoutPassword(report.error().message, *conninfo) << "\n";
    return exitCodeOf(report.error());
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << countsTable(*report);
  std::int64_t copied = 0;
  for (const auto& t : report->tables) copied += t.copied;
  char summary[160];
  std::snprintf(summary, sizeof summary, "%lld rows copied in %.1f s\n",
                static_cast<long long>(copied), seconds);
  out << summary;
  if (!report->verified()) {
    err << "parcelwatchd: --migrate-to-postgres: the copy differs from " << file.string() << ":\n";
    for (const auto& d : report->differences) err << "  " << d << "\n";
    return 1;
  }
  out << "verified: every table and counter matches\n";
  return 0;
#endif
}

}  // namespace pw
