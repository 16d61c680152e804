#include "store/postgres/outbox.h"

#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_locks.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

#include <boost/json.hpp>
#include <pqxx/pqxx>

namespace pw::pg {

void writeOutbox(pqxx::transaction_base& tx, const std::vector<PendingAlert>& alerts) {
  if (alerts.empty()) return;
  // nextval() is not commit order: two transactions can take 7 and 8 and commit 8 first, and a
  // follower that has read 8 would never see 7. Under this lock the next writer takes its
  // numbers only after the previous one committed.
  tx.exec_prepared("pw_outbox_lock", kOutboxLock);
  for (const auto& a : alerts) {
    const auto* event = a.line.if_contains("event");
    std::string name = event && event->is_string() ? std::string(event->as_string()) : "";
    tx.exec_prepared("pw_outbox_insert", secs(a.at), name, boost::json::serialize(a.line));
  }
}

}  // namespace pw::pg

namespace pw {

Result<std::vector<OutboxEntry>> PostgresStore::readOutbox(std::int64_t afterSeq, int limit) {
  return pg::guarded("read outbox", [&]() -> Result<std::vector<OutboxEntry>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<OutboxEntry> out;
    for (const auto& row : tx.exec_params(
             "SELECT seq, at, event, payload::text FROM outbox WHERE seq > $1 ORDER BY seq "
             "LIMIT $2",
             afterSeq, limit))
      out.push_back({row[0].as<std::int64_t>(), pg::fromSecs(row[1].as<std::int64_t>()),
                     row[2].c_str(), row[3].c_str()});
    return out;
  });
}

}  // namespace pw
