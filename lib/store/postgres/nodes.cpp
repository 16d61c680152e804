#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

#include <pqxx/pqxx>

namespace pw {

using pg::guarded;
using pg::secs;

Result<void> PostgresStore::heartbeat(const std::string& node, Timestamp now,
                                      std::optional<Timestamp> startedAt) {
  auto beat = guarded("heartbeat", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_params0(
        "INSERT INTO nodes (name, started_at, heartbeat_at) VALUES ($1, coalesce($3::bigint, $2), "
        "$2) "
        "ON CONFLICT (name) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, "
        "started_at = coalesce($3::bigint, nodes.started_at)",
        node, secs(now), secs(startedAt));
    tx.commit();
    return {};
  });
  if (!beat) return beat;
  return guarded("fold counters", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    compactCounters(tx);
    tx.commit();
    return {};
  });
}

Result<std::vector<NodeInfo>> PostgresStore::liveNodes(Timestamp now, Seconds within) {
  return guarded("list nodes", [&]() -> Result<std::vector<NodeInfo>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<NodeInfo> out;
    for (const auto& row : tx.exec_params(
             "SELECT n.name, n.started_at, n.heartbeat_at, "
             "(SELECT count(*) FROM parcels p WHERE p.leased_by = n.name AND p.lease_until > $1) "
             "FROM nodes n WHERE n.heartbeat_at >= $1 - $2::bigint ORDER BY n.name",
             secs(now), static_cast<std::int64_t>(within.count()))) {
      out.push_back({row[0].c_str(), pg::fromSecs(row[1].as<std::int64_t>()),
                     pg::fromSecs(row[2].as<std::int64_t>()), row[3].as<std::int64_t>()});
    }
    return out;
  });
}

}  // namespace pw
