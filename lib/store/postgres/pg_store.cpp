#include "store/postgres/pg_store.h"

#include "model/alert_record.h"
#include "store/postgres/outbox.h"
#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_statements.h"

#include <pqxx/pqxx>

namespace pw {

using pg::fromSecs;
using pg::guarded;
using pg::secs;

void PostgresStore::CloseConnection::operator()(pqxx::connection_base* conn) const noexcept {
  delete static_cast<pqxx::connection*>(conn);  // open() makes every one a pqxx::connection
}

PostgresStore::PostgresStore(Connection conn, const StoreOptions& options)
    : conn_(std::move(conn)), options_(options) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& conninfo,
                                                           const StoreOptions& options) {
  // No retry loop here: a failed start is reported, the service manager restarts the daemon.
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    pg::migrate(*conn);
    pg::prepareStatements(*conn);
    return std::unique_ptr<PostgresStore>(new PostgresStore(Connection(conn.release()), options));
  } catch (...) {
    // The conninfo may hold a password: name the database, not the string.
    return pg::errorFromCurrentException("open PostgreSQL store");
  }
}

Result<PostgresStore::AddOutcome> PostgresStore::addParcel(const Parcel& p, Timestamp now) {
  return guarded("add parcel", [&]() -> Result<AddOutcome> {
    pqxx::work tx(*conn_);
    // New parcels are due at once, as the single-node daemon polls them on registration.
    auto r = tx.exec_params(
        "INSERT INTO parcels (tracking_number, carrier, province, city, district, address, "
        "shipped_at, promised_by, order_value, buyer_id, phone, registered_at, country, "
        "next_poll_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12) "
        "ON CONFLICT (tracking_number, carrier) DO NOTHING RETURNING id",
        p.tracking_number, p.carrier, p.destination.province, p.destination.city,
        p.destination.district, p.destination.address, secs(p.shipped_at), secs(p.promised_by),
        p.order_value, p.buyer_id, p.phone, secs(now), p.destination.country);
    if (!r.empty()) {
      tx.commit();
      return AddOutcome{true, r[0][0].as<std::int64_t>()};
    }
    auto existing =
        tx.exec_params1("SELECT id FROM parcels WHERE tracking_number = $1 AND carrier = $2",
                        p.tracking_number, p.carrier);
    tx.commit();
    return AddOutcome{false, existing[0].as<std::int64_t>()};
  });
}

Result<std::vector<PollTarget>> PostgresStore::pollTargets() {
  return guarded("list poll targets", [&]() -> Result<std::vector<PollTarget>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<PollTarget> out;
    for (const auto& row : tx.exec("SELECT id, tracking_number, last_polled_at FROM parcels "
                                   "WHERE stage NOT IN ('delivered', 'returned') ORDER BY id")) {
      out.push_back({row[0].as<std::int64_t>(), row[1].c_str(), pg::optionalTime(row[2])});
    }
    return out;
  });
}

Result<std::optional<Parcel>> PostgresStore::findParcel(std::string_view tn) {
  return guarded("find parcel", [&]() -> Result<std::optional<Parcel>> {
    pqxx::read_transaction tx(*conn_);
    auto r =
        tx.exec_params(std::string("SELECT ") + pg::kParcelColumns +
                           " FROM parcels p WHERE p.tracking_number = $1 ORDER BY p.id LIMIT 1",
                       std::string(tn));
    if (r.empty()) return std::optional<Parcel>{};
    return std::optional<Parcel>{pg::readParcel(r[0])};
  });
}

Result<Parcel> PostgresStore::parcel(std::int64_t id) {
  return guarded("load parcel", [&]() -> Result<Parcel> {
    pqxx::read_transaction tx(*conn_);
    auto r = tx.exec_params(
        std::string("SELECT ") + pg::kParcelColumns + " FROM parcels p WHERE p.id = $1", id);
    if (r.empty())
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(id));
    return pg::readParcel(r[0]);
  });
}

Result<Timeline> PostgresStore::timeline(std::int64_t parcelId) {
  return guarded("load timeline", [&]() -> Result<Timeline> {
    pqxx::read_transaction tx(*conn_);
    Timeline out;
    for (const auto& row : tx.exec_prepared("pw_events_of", parcelId))
      out.push_back(pg::readEvent(row, 1));
    return out;
  });
}

Result<void> PostgresStore::updateCarrier(std::int64_t parcelId, const std::string& carrier) {
  return guarded("update carrier", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_params0("UPDATE parcels SET carrier = $2 WHERE id = $1", parcelId, carrier);
    tx.commit();
    return {};
  });
}

Result<void> PostgresStore::removeParcel(std::int64_t parcelId) {
  return guarded("remove parcel", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    // Events, exceptions, tasks and claims go with it (ON DELETE CASCADE).
    auto r = tx.exec_params("DELETE FROM parcels WHERE id = $1", parcelId);
    if (r.affected_rows() != 1)
      return makeError(ErrorCode::not_found, "no parcel " + std::to_string(parcelId));
    tx.commit();
    return {};
  });
}

Result<std::vector<NotificationTask>> PostgresStore::tasks(const TaskFilter& f) {
  return guarded("list tasks", [&]() -> Result<std::vector<NotificationTask>> {
    pqxx::read_transaction tx(*conn_);
    // Each filter adds a condition and its quoted value; ids and limits are numbers.
    std::string sql = std::string("SELECT ") + pg::kTaskColumns +
                      " FROM tasks t JOIN parcels p ON p.id = t.parcel_id WHERE t.id > " +
                      std::to_string(f.after_id);
    if (f.state) sql += " AND t.state = " + tx.quote(std::string(toString(*f.state)));
    if (f.kind) sql += " AND t.kind = " + tx.quote(std::string(toString(*f.kind)));
    if (f.tracking_number) sql += " AND p.tracking_number = " + tx.quote(*f.tracking_number);
    if (f.carrier) sql += " AND p.carrier = " + tx.quote(*f.carrier);
    if (f.created_before) sql += " AND t.created_at < " + std::to_string(secs(*f.created_before));
    if (f.created_after) sql += " AND t.created_at > " + std::to_string(secs(*f.created_after));
    sql += " ORDER BY t.id LIMIT " + std::to_string(f.limit);
    std::vector<NotificationTask> out;
    for (const auto& row : tx.exec(sql)) out.push_back(pg::readTask(row));
    return out;
  });
}

Result<std::vector<NotificationTask>> PostgresStore::unalertedTasks() {
  return guarded("list unalerted tasks", [&]() -> Result<std::vector<NotificationTask>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<NotificationTask> out;
    for (const auto& row : tx.exec(std::string("SELECT ") + pg::kTaskColumns +
                                   " FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
                                   "WHERE t.alerted_at IS NULL ORDER BY t.id"))
      out.push_back(pg::readTask(row));
    return out;
  });
}

Result<void> PostgresStore::markAlerted(const AlertMarks& marks, Timestamp now) {
  return guarded("mark alerted", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_params0("UPDATE tasks SET alerted_at = $1 WHERE id = ANY($2::bigint[])", secs(now),
                    pg::bigintArray(marks.tasks));
    tx.exec_params0("UPDATE exceptions SET raised_alerted_at = $1 WHERE id = ANY($2::bigint[])",
                    secs(now), pg::bigintArray(marks.raised));
    tx.exec_params0("UPDATE exceptions SET resolved_alerted_at = $1 WHERE id = ANY($2::bigint[])",
                    secs(now), pg::bigintArray(marks.resolved));
    tx.commit();
    return {};
  });
}

Result<std::vector<PendingRaise>> PostgresStore::unalertedRaises() {
  return guarded("list unalerted raises", [&]() -> Result<std::vector<PendingRaise>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<PendingRaise> out;
    for (const auto& row : tx.exec(std::string("SELECT ") + pg::kTaskColumns +
                                   ", e.raised_alerted_at IS NULL, t.alerted_at IS NULL "
                                   "FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
                                   "JOIN exceptions e ON e.id = t.exception_id "
                                   "WHERE t.alerted_at IS NULL OR e.raised_alerted_at IS NULL "
                                   "ORDER BY t.id"))
      out.push_back({pg::readTask(row), row[12].as<bool>(), row[13].as<bool>()});
    return out;
  });
}

Result<std::vector<PendingResolve>> PostgresStore::unalertedResolves() {
  return guarded("list unalerted resolves", [&]() -> Result<std::vector<PendingResolve>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<PendingResolve> out;
    for (const auto& row :
         tx.exec("SELECT e.id, p.tracking_number, p.carrier, e.kind FROM exceptions e "
                 "JOIN parcels p ON p.id = e.parcel_id WHERE e.resolved_at IS NOT NULL "
                 "AND e.resolved_alerted_at IS NULL ORDER BY e.resolved_at, e.id"))
      out.push_back({row[0].as<std::int64_t>(), row[1].c_str(), row[2].c_str(),
                     exceptionKindFromString(row[3].c_str()).value_or(ExceptionKind::problem)});
    return out;
  });
}

Result<NotificationTask> PostgresStore::setTaskState(std::int64_t taskId, TaskState state,
                                                     const std::string& outcome, Timestamp now) {
  return guarded("update task", [&]() -> Result<NotificationTask> {
    pqxx::work tx(*conn_);
    auto up =
        tx.exec_params("UPDATE tasks SET state = $2, outcome = $3, updated_at = $4 WHERE id = $1",
                       taskId, std::string(toString(state)), outcome, secs(now));
    if (up.affected_rows() != 1)
      return makeError(ErrorCode::not_found, "no task " + std::to_string(taskId));
    auto row = tx.exec_params1(std::string("SELECT ") + pg::kTaskColumns +
                                   " FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
                                   "WHERE t.id = $1",
                               taskId);
    NotificationTask task = pg::readTask(row);
    pg::writeOutbox(tx, {{now, taskUpdatedRecord(task, outcome, now)}});
    tx.commit();
    return task;
  });
}

Result<std::vector<ParcelException>> PostgresStore::exceptions(std::int64_t parcelId) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ParcelException>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<ParcelException> out;
    for (const auto& row :
         tx.exec_params(std::string("SELECT ") + pg::kExceptionColumns +
                            " FROM exceptions e WHERE e.parcel_id = $1 ORDER BY e.id DESC",
                        parcelId))
      out.push_back(pg::readException(row));
    return out;
  });
}

Result<std::vector<ExceptionRecord>> PostgresStore::listExceptions(const ExceptionFilter& f) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ExceptionRecord>> {
    pqxx::read_transaction tx(*conn_);
    std::string sql = std::string("SELECT ") + pg::kExceptionColumns +
                      ", p.tracking_number, p.carrier FROM exceptions e JOIN parcels p ON "
                      "p.id = e.parcel_id WHERE e.id > " +
                      std::to_string(f.after_id);
    if (f.open_only) sql += " AND e.resolved_at IS NULL";
    if (f.kind) sql += " AND e.kind = " + tx.quote(std::string(toString(*f.kind)));
    sql += " ORDER BY e.id LIMIT " + std::to_string(f.limit);
    std::vector<ExceptionRecord> out;
    for (const auto& row : tx.exec(sql))
      out.push_back({pg::readException(row), row[9].c_str(), row[10].c_str()});
    return out;
  });
}

Result<std::vector<std::int64_t>> PostgresStore::parcelsWithOpen(ExceptionKind kind,
                                                                 std::int64_t afterId, int limit) {
  return guarded("list parcels by exception", [&]() -> Result<std::vector<std::int64_t>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<std::int64_t> out;
    // One open exception of a kind per parcel (the partial unique index): no DISTINCT needed.
    // A negative limit is "all", as SQLite reads it; NULL is PostgreSQL's spelling.
    std::optional<int> rows;
    if (limit >= 0) rows = limit;
    for (const auto& row :
         tx.exec_params("SELECT parcel_id FROM exceptions WHERE kind = $1 AND resolved_at IS NULL "
                        "AND parcel_id > $2 ORDER BY parcel_id LIMIT $3",
                        std::string(toString(kind)), afterId, rows))
      out.push_back(row[0].as<std::int64_t>());
    return out;
  });
}

Result<std::vector<PostgresStore::ActiveParcel>> PostgresStore::activeParcels(std::int64_t afterId,
                                                                              int limit) {
  return guarded("list active parcels", [&]() -> Result<std::vector<ActiveParcel>> {
    pqxx::read_transaction tx(*conn_);
    std::vector<ActiveParcel> out;
    for (const auto& row :
         tx.exec_params(std::string("SELECT ") + pg::kParcelColumns +
                            ", p.last_polled_at FROM parcels p WHERE p.id > $1 AND p.stage NOT IN "
                            "('delivered', 'returned') ORDER BY p.id LIMIT $2",
                        afterId, limit))
      out.push_back({pg::readParcel(row), pg::optionalTime(row[14])});
    return out;
  });
}

Result<void> PostgresStore::addClaim(std::int64_t parcelId, const std::string& note,
                                     Timestamp now) {
  return guarded("add claim", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    auto r = tx.exec_params(
        "INSERT INTO claims (parcel_id, buyer_id, note, created_at) "
        "SELECT id, buyer_id, $2, $3 FROM parcels WHERE id = $1",
        parcelId, note, secs(now));
    if (r.affected_rows() != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    tx.commit();
    return {};
  });
}

Result<bool> PostgresStore::hasClaim(std::int64_t parcelId) {
  return guarded("read claims", [&]() -> Result<bool> {
    pqxx::read_transaction tx(*conn_);
    return !tx.exec_params("SELECT 1 FROM claims WHERE parcel_id = $1 LIMIT 1", parcelId).empty();
  });
}

Result<int> PostgresStore::buyerClaims(const std::string& buyerId, Timestamp since) {
  return guarded("read claims", [&]() -> Result<int> {
    pqxx::read_transaction tx(*conn_);
    return tx
        .exec_params1("SELECT count(*) FROM claims WHERE buyer_id = $1 AND created_at >= $2",
                      buyerId, secs(since))[0]
        .as<int>();
  });
}

}  // namespace pw
