// The notification sinks' side of the outbox on PostgreSQL: the same contract as SQLite's
// (store_outbox.cpp), plus which node delivers a sink. Several nodes run the same sinks; one of
// them delivers each sink at a time, so a robot does not get every event once per node.
#include "store/postgres/outbox.h"
#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_locks.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"

#include <pqxx/pqxx>

#include <algorithm>

namespace pw {

using pg::guarded;

namespace {

// The last seq committed. Writers take the outbox lock before their first insert and hold it to
// commit, so every row still in flight has a seq above every committed one: the greatest
// committed seq is the head, whatever is in flight. The sequence's last value counts rows in
// flight too (nextval is not transactional; a follower starting there, or a sink moved there,
// would skip such a row when it commits), so it is read only when every row was pruned, and
// then under the lock, with nothing in flight.
std::int64_t head(pqxx::transaction_base& tx) {
  auto r = tx.exec1("SELECT max(seq) FROM outbox");
  if (!r[0].is_null()) return r[0].as<std::int64_t>();
  tx.exec_params("SELECT pg_advisory_xact_lock_shared($1)", pg::kOutboxLock);
  // is_called is false before the first nextval (then nothing was ever written).
  return tx
      .exec1(
          "SELECT coalesce((SELECT max(seq) FROM outbox), "
          "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_seq_seq))")[0]
      .as<std::int64_t>();
}

// A sink's delivered_through goes up to just before its first unfinished row, and the 'done'
// marks below it are dropped (as on SQLite). One statement, so one snapshot: a row committed
// meanwhile is either seen as unfinished or not seen at all, and the greatest committed seq
// stops short of rows still in flight (see head). Rows above delivered_through are never
// pruned, so "none unfinished" means every row up to that greatest one is finished.
void advanceSink(pqxx::transaction_base& tx, const std::string& sink) {
  auto t =
      tx.exec_params("SELECT delivered_through FROM notify_sinks WHERE name = $1 FOR UPDATE", sink);
  if (t.empty()) return;
  std::int64_t through = t[0][0].as<std::int64_t>();
  std::int64_t next =
      tx.exec_params1(
            "SELECT coalesce((SELECT min(o.seq) - 1 FROM outbox o LEFT JOIN notify_state st "
            "ON st.sink = $1 AND st.seq = o.seq WHERE o.seq > $2 "
            "AND (st.state IS NULL OR st.state <> 'done')), "
            "(SELECT max(seq) FROM outbox WHERE seq > $2), $2::bigint)",
            sink, through)[0]
          .as<std::int64_t>();
  if (next <= through) return;
  tx.exec_params0("UPDATE notify_sinks SET delivered_through = $1 WHERE name = $2", next, sink);
  tx.exec_params0("DELETE FROM notify_state WHERE sink = $1 AND seq <= $2 AND state = 'done'", sink,
                  next);
}

}  // namespace

Result<void> PostgresStore::setOutboxSinks(const std::vector<std::string>& names) {
  return guarded("set outbox sinks", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    std::int64_t end = head(tx);
    std::vector<std::string> known;
    for (const auto& row : tx.exec("SELECT name FROM notify_sinks"))
      known.push_back(row[0].c_str());
    // Nodes of one cluster share one configuration; a node started with fewer sinks (a rolling
    // change) forgets the others' progress, as a single node does when a sink is removed.
    for (const auto& k : known) {
      if (std::find(names.begin(), names.end(), k) != names.end()) continue;
      tx.exec_params0("DELETE FROM notify_state WHERE sink = $1", k);
      tx.exec_params0("DELETE FROM notify_sinks WHERE name = $1", k);
    }
    for (const auto& n : names)
      tx.exec_params0(
          "INSERT INTO notify_sinks (name, delivered_through) VALUES ($1, $2) "
          "ON CONFLICT (name) DO NOTHING",
          n, end);
    tx.commit();
    return {};
  });
}

Result<bool> PostgresStore::ownSinkDelivery(std::string_view sink) {
  return guarded("take sink delivery", [&]() -> Result<bool> {
    std::string name(sink);
    pqxx::nontransaction tx(*conn_);
    // libpqxx reconnects a dropped connection by itself, and the new session holds none of
    // the old one's locks: asked each time (one round trip), so a node whose session was cut
    // stops delivering rather than deliver beside the node that took the sink over.
    int pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    if (pid != owned_by_pid_) {
      owned_sinks_.clear();
      owned_by_pid_ = pid;
    }
    if (std::find(owned_sinks_.begin(), owned_sinks_.end(), name) != owned_sinks_.end())
      return true;
    // Session-level: held until this connection closes (the node stops or dies). Taken once:
    // a second pg_try_advisory_lock would stack and need a second unlock.
    bool got = tx.exec_params1("SELECT pg_try_advisory_lock($1, hashtext($2))", pg::kNotifySinkLock,
                               name)[0]
                   .as<bool>();
    if (got) owned_sinks_.push_back(name);
    return got;
  });
}

Result<std::vector<OutboxRow>> PostgresStore::outboxAfter(std::string_view sink,
                                                          std::int64_t afterSeq, int limit) {
  return guarded("read outbox", [&]() -> Result<std::vector<OutboxRow>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<OutboxRow> out;
    for (const auto& row : tx.exec_params(
             "SELECT o.seq, o.at, o.event, o.payload::text, coalesce(st.failures, 0), "
             "coalesce(st.first_failure, 0), coalesce(st.retry_at, 0), coalesce(st.error, '') "
             "FROM notify_sinks k CROSS JOIN outbox o "
             "LEFT JOIN notify_state st ON st.sink = k.name AND st.seq = o.seq "
             "WHERE k.name = $1 AND o.seq > greatest($2, k.delivered_through) "
             "AND (st.state IS NULL OR st.state = 'failing') ORDER BY o.seq LIMIT $3",
             std::string(sink), afterSeq, limit)) {
      OutboxRow r;
      r.seq = row[0].as<std::int64_t>();
      r.at = pg::fromSecs(row[1].as<std::int64_t>());
      r.event = row[2].c_str();
      r.payload = row[3].c_str();
      r.failures = row[4].as<int>();
      r.first_failure_ms = row[5].as<std::int64_t>();
      r.retry_at_ms = row[6].as<std::int64_t>();
      r.error = row[7].c_str();
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<void> PostgresStore::outboxDelivered(std::string_view sink,
                                            const std::vector<std::int64_t>& seqs) {
  return guarded("mark delivered", [&]() -> Result<void> {
    std::string name(sink);
    pqxx::work tx(*conn_);
    for (auto seq : seqs)
      tx.exec_params0(
          "INSERT INTO notify_state (sink, seq, state) VALUES ($1, $2, 'done') "
          "ON CONFLICT (sink, seq) DO UPDATE SET state = 'done', error = ''",
          name, seq);
    advanceSink(tx, name);
    tx.commit();
    return {};
  });
}

Result<void> PostgresStore::outboxFailure(std::string_view sink, std::int64_t seq,
                                          const OutboxFailure& f) {
  return guarded("record delivery failure", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_params0(
        "INSERT INTO notify_state (sink, seq, state, failures, first_failure, retry_at, error) "
        "VALUES ($1, $2, 'failing', $3, $4, $5, $6) ON CONFLICT (sink, seq) DO UPDATE SET "
        "state = 'failing', failures = $3, first_failure = $4, retry_at = $5, error = $6",
        std::string(sink), seq, f.failures, f.first_failure_ms, f.retry_at_ms, f.error);
    tx.commit();
    return {};
  });
}

Result<void> PostgresStore::outboxPark(std::string_view sink, std::int64_t seq,
                                       const std::string& reason) {
  return guarded("park event", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_params0(
        "INSERT INTO notify_state (sink, seq, state, error) VALUES ($1, $2, 'parked', $3) "
        "ON CONFLICT (sink, seq) DO UPDATE SET state = 'parked', error = $3",
        std::string(sink), seq, reason);
    tx.commit();
    return {};
  });
}

Result<std::int64_t> PostgresStore::outboxRequeue(std::string_view sink) {
  return guarded("requeue parked", [&]() -> Result<std::int64_t> {
    pqxx::work tx(*conn_);
    auto r = tx.exec_params0("DELETE FROM notify_state WHERE sink = $1 AND state = 'parked'",
                             std::string(sink));
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

Result<std::vector<OutboxSinkSummary>> PostgresStore::outboxSummary() {
  return guarded("outbox summary", [&]() -> Result<std::vector<OutboxSinkSummary>> {
    pqxx::read_transaction tx(*conn_);
    std::int64_t end = head(tx);
    std::vector<OutboxSinkSummary> out;
    for (const auto& row :
         tx.exec("SELECT k.name, k.delivered_through, "
                 "count(*) FILTER (WHERE st.state = 'done'), "
                 "count(*) FILTER (WHERE st.state = 'failing'), "
                 "count(*) FILTER (WHERE st.state = 'parked') "
                 "FROM notify_sinks k LEFT JOIN notify_state st ON st.sink = k.name "
                 "GROUP BY k.name, k.delivered_through ORDER BY k.name")) {
      OutboxSinkSummary k{row[0].c_str(), row[1].as<std::int64_t>(), 0, row[3].as<std::int64_t>(),
                          row[4].as<std::int64_t>()};
      // Sequence gaps (rolled-back transactions) make this an upper bound, as on SQLite.
      k.backlog = std::max<std::int64_t>(
          0, end - k.delivered_through - row[2].as<std::int64_t>() - k.parked);
      out.push_back(std::move(k));
    }
    return out;
  });
}

Result<std::vector<ParkedEvent>> PostgresStore::outboxParked(std::string_view sink, int limit) {
  return guarded("list parked", [&]() -> Result<std::vector<ParkedEvent>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<ParkedEvent> out;
    for (const auto& row : tx.exec_params(
             "SELECT st.sink, st.seq, coalesce(o.event, ''), st.error FROM notify_state st "
             "LEFT JOIN outbox o ON o.seq = st.seq WHERE st.state = 'parked' "
             "AND ($1 = '' OR st.sink = $1) ORDER BY st.sink, st.seq LIMIT $2",
             std::string(sink), limit))
      out.push_back({row[0].c_str(), row[1].as<std::int64_t>(), row[2].c_str(), row[3].c_str()});
    return out;
  });
}

Result<std::int64_t> PostgresStore::pruneOutbox(int limit, Timestamp before) {
  return guarded("prune outbox", [&]() -> Result<std::int64_t> {
    pqxx::work tx(*conn_);
    auto upTo =
        tx.exec1(
              "SELECT CASE WHEN count(*) = 0 THEN (SELECT coalesce(max(seq), 0) FROM outbox) "
              "ELSE min(delivered_through) END FROM notify_sinks")[0]
            .as<std::int64_t>();
    auto r = tx.exec_params0(
        // The oldest `limit` rows only (see SqliteStore::pruneOutbox).
        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM (SELECT seq, at FROM outbox "
        "WHERE seq <= $1 ORDER BY seq LIMIT $3) AS oldest WHERE at < $2)",
        upTo, pg::secs(before), limit);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

Result<std::int64_t> PostgresStore::outboxHead() {
  return guarded("outbox head", [&]() -> Result<std::int64_t> {
    pqxx::read_transaction tx(*conn_);
    return head(tx);
  });
}

}  // namespace pw
