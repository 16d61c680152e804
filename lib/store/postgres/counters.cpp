#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_store.h"

#include <pqxx/pqxx>

namespace pw {

using pg::guarded;

namespace {

// The counters' keys: "parcels:<stage>", "open:<kind>", "tasks:<state>", "events".
void put(StoreCounts& c, const std::string& key, std::int64_t value) {
  if (value == 0) return;  // as a GROUP BY would: no row, no entry
  auto colon = key.find(':');
  std::string prefix = key.substr(0, colon);
  std::string name = colon == std::string::npos ? "" : key.substr(colon + 1);
  if (prefix == "parcels") c.parcels_by_stage[name] = value;
  if (prefix == "open") c.open_exceptions_by_kind[name] = value;
  if (prefix == "tasks") c.tasks_by_state[name] = value;
  if (prefix == "events") c.events = value;
}

// Totals plus the deltas not folded yet.
constexpr const char* kKeptCount =
    "SELECT key, sum(value)::bigint FROM (SELECT key, value FROM counter_totals "
    "UNION ALL SELECT key, delta FROM counter_deltas) AS all_rows GROUP BY key";

constexpr const char* kFullCount =
    "SELECT 'parcels:' || stage, count(*) FROM parcels GROUP BY stage "
    "UNION ALL SELECT 'open:' || kind, count(*) FROM exceptions WHERE resolved_at IS NULL "
    "GROUP BY kind "
    "UNION ALL SELECT 'tasks:' || state, count(*) FROM tasks GROUP BY state "
    "UNION ALL SELECT 'events', count(*) FROM events";

}  // namespace

void PostgresStore::compactCounters(pqxx::transaction_base& tx) {
  // Deltas committed by others after this statement's snapshot stay for the next fold; two
  // nodes folding at once cannot count a delta twice (the second waits, then finds it deleted).
  // Totals are updated in key order, so two folds never deadlock.
  tx.exec0(
      "WITH moved AS (DELETE FROM counter_deltas RETURNING key, delta), "
      "summed AS (SELECT key, sum(delta)::bigint AS delta FROM moved GROUP BY key) "
      "INSERT INTO counter_totals (key, value) SELECT key, delta FROM summed ORDER BY key "
      "ON CONFLICT (key) DO UPDATE SET value = counter_totals.value + excluded.value");
}

Result<StoreCounts> PostgresStore::counts() {
  return guarded("count", [&]() -> Result<StoreCounts> {
    pqxx::work tx(*conn_);
    compactCounters(tx);
    StoreCounts c;
    for (const auto& row : tx.exec(kKeptCount)) put(c, row[0].c_str(), row[1].as<std::int64_t>());
    tx.commit();
    return c;
  });
}

Result<std::string> PostgresStore::quickCheck() {
  return guarded("check", [&]() -> Result<std::string> {
    pqxx::read_transaction tx(*conn_);
    std::string problems;
    int version = tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
    if (version != pg::knownSchemaVersion())
      problems += "schema version " + std::to_string(version) + ", this build knows " +
                  std::to_string(pg::knownSchemaVersion()) + "\n";
    // Maintained counters against a full count, in one snapshot.
    StoreCounts kept, counted;
    for (const auto& row : tx.exec(kKeptCount))
      put(kept, row[0].c_str(), row[1].as<std::int64_t>());
    for (const auto& row : tx.exec(kFullCount))
      put(counted, row[0].c_str(), row[1].as<std::int64_t>());
    if (kept.parcels_by_stage != counted.parcels_by_stage ||
        kept.open_exceptions_by_kind != counted.open_exceptions_by_kind ||
        kept.tasks_by_state != counted.tasks_by_state || kept.events != counted.events)
      problems += "maintained counters differ from a full count\n";
    return problems.empty() ? std::string("ok") : problems;
  });
}

}  // namespace pw
