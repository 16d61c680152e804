#include "store/store.h"

#include "model/model_json.h"
#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <set>
#include <tuple>

namespace pw {
namespace fs = std::filesystem;

namespace {

std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp fromSecs(std::int64_t s) { return Timestamp(Seconds(s)); }

// SQLiteCpp reports every failure by throwing; this is the one place that
// turns them into values.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return makeError(ErrorCode::io, std::string(what) + ": " + e.what());
  } catch (const std::exception& e) {
    return makeError(ErrorCode::internal, std::string(what) + ": " + e.what());
  }
}

void bindOptional(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
  if (v)
    st.bind(index, *v);
  else
    st.bind(index);
}

constexpr const char* kParcelColumns =
    "id, tracking_number, carrier, province, city, district, address, shipped_at, promised_by, "
    "order_value, buyer_id, phone, stage, country";

Parcel readParcel(SQLite::Statement& st) {
  Parcel p;
  p.id = st.getColumn(0).getInt64();
  p.tracking_number = st.getColumn(1).getString();
  p.carrier = st.getColumn(2).getString();
  p.destination = {st.getColumn(3).getString(), st.getColumn(4).getString(),
                   st.getColumn(5).getString(), st.getColumn(6).getString(),
                   st.getColumn(13).getString()};
  p.shipped_at = fromSecs(st.getColumn(7).getInt64());
  if (!st.getColumn(8).isNull()) p.promised_by = fromSecs(st.getColumn(8).getInt64());
  if (!st.getColumn(9).isNull()) p.order_value = st.getColumn(9).getDouble();
  if (!st.getColumn(10).isNull()) p.buyer_id = st.getColumn(10).getString();
  if (!st.getColumn(11).isNull()) p.phone = st.getColumn(11).getString();
  p.stage = parcelStageFromString(st.getColumn(12).getString()).value_or(ParcelStage::in_transit);
  return p;
}

constexpr const char* kTaskColumns =
    "t.id, t.exception_id, p.tracking_number, p.carrier, t.kind, t.remedy, t.reason, t.message_zh, "
    "t.message_en, t.state, t.created_at, t.detail";

NotificationTask readTask(SQLite::Statement& st) {
  NotificationTask t;
  t.id = st.getColumn(0).getInt64();
  t.exception_id = st.getColumn(1).getInt64();
  t.tracking_number = st.getColumn(2).getString();
  t.carrier = st.getColumn(3).getString();
  t.kind = exceptionKindFromString(st.getColumn(4).getString()).value_or(ExceptionKind::problem);
  t.suggestion.remedy =
      remedyFromString(st.getColumn(5).getString()).value_or(Remedy::manual_review);
  t.suggestion.reason = st.getColumn(6).getString();
  t.message = {st.getColumn(7).getString(), st.getColumn(8).getString()};
  t.state = taskStateFromString(st.getColumn(9).getString()).value_or(TaskState::open);
  t.created_at = fromSecs(st.getColumn(10).getInt64());
  t.detail = st.getColumn(11).getString();
  return t;
}

std::string evidenceJson(const Finding& f) {
  boost::json::array a;
  for (const auto& e : f.evidence) a.push_back(eventToJson(e));
  return boost::json::serialize(a);
}

}  // namespace

Store::Store(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const fs::path& file) {
  return guarded("open " + file.string(), [&]() -> Result<std::unique_ptr<Store>> {
    auto db = std::make_unique<SQLite::Database>(file.string(),
                                                 SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA busy_timeout=5000");
    db->exec("PRAGMA foreign_keys=ON");
    db->exec("PRAGMA journal_size_limit=67108864");
    int version = db->execAndGet("PRAGMA user_version").getInt();
    const auto& steps = store::migrations();
    if (version > static_cast<int>(steps.size()))
      return makeError(ErrorCode::io, file.string() + ": schema version " +
                                          std::to_string(version) +
                                          " is newer than this parcelwatchd knows (" +
                                          std::to_string(steps.size()) + ")");
    for (size_t i = static_cast<size_t>(version); i < steps.size(); ++i) {
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      db->exec(std::string(steps[i]));
      db->exec("PRAGMA user_version=" + std::to_string(i + 1));
      tx.commit();
    }
    return std::unique_ptr<Store>(new Store(std::move(db)));
  });
}

Result<Store::AddOutcome> Store::addParcel(const Parcel& p, Timestamp now) {
  return guarded("add parcel", [&]() -> Result<AddOutcome> {
    SQLite::Statement ins(
        *db_,
        "INSERT INTO parcels (tracking_number, carrier, province, city, district, "
        "address, shipped_at, promised_by, order_value, buyer_id, phone, "
        "registered_at, country) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (tracking_number, carrier) DO NOTHING");
    ins.bind(1, p.tracking_number);
    ins.bind(2, p.carrier);
    ins.bind(3, p.destination.province);
    ins.bind(4, p.destination.city);
    ins.bind(5, p.destination.district);
    ins.bind(6, p.destination.address);
    ins.bind(7, static_cast<int64_t>(secs(p.shipped_at)));
    if (p.promised_by)
      ins.bind(8, static_cast<int64_t>(secs(*p.promised_by)));
    else
      ins.bind(8);
    if (p.order_value)
      ins.bind(9, *p.order_value);
    else
      ins.bind(9);
    bindOptional(ins, 10, p.buyer_id);
    bindOptional(ins, 11, p.phone);
    ins.bind(12, static_cast<int64_t>(secs(now)));
    ins.bind(13, p.destination.country);
    bool inserted = ins.exec() == 1;
    SQLite::Statement q(*db_, "SELECT id FROM parcels WHERE tracking_number=? AND carrier=?");
    q.bind(1, p.tracking_number);
    q.bind(2, p.carrier);
    q.executeStep();
    return AddOutcome{inserted, q.getColumn(0).getInt64()};
  });
}

Result<std::vector<PollTarget>> Store::pollTargets() {
  return guarded("list poll targets", [&]() -> Result<std::vector<PollTarget>> {
    SQLite::Statement q(*db_,
                        "SELECT id, tracking_number, last_polled_at FROM parcels "
                        "WHERE stage NOT IN ('delivered', 'returned') ORDER BY id");
    std::vector<PollTarget> out;
    while (q.executeStep()) {
      PollTarget t;
      t.parcel_id = q.getColumn(0).getInt64();
      t.tracking_number = q.getColumn(1).getString();
      if (!q.getColumn(2).isNull()) t.last_polled_at = fromSecs(q.getColumn(2).getInt64());
      out.push_back(std::move(t));
    }
    return out;
  });
}

Result<std::vector<Store::ActiveParcel>> Store::activeParcels(std::int64_t afterId, int limit) {
  return guarded("list active parcels", [&]() -> Result<std::vector<ActiveParcel>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kParcelColumns +
                                  ", last_polled_at FROM parcels WHERE id > ? AND stage NOT IN "
                                  "('delivered', 'returned') ORDER BY id LIMIT ?");
    q.bind(1, static_cast<int64_t>(afterId));
    q.bind(2, limit);
    std::vector<ActiveParcel> out;
    while (q.executeStep()) {
      ActiveParcel a{readParcel(q), std::nullopt};
      if (!q.getColumn(14).isNull()) a.last_polled_at = fromSecs(q.getColumn(14).getInt64());
      out.push_back(std::move(a));
    }
    return out;
  });
}

Result<std::optional<Parcel>> Store::findParcel(std::string_view tn) {
  return guarded("find parcel", [&]() -> Result<std::optional<Parcel>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kParcelColumns +
                                  " FROM parcels WHERE tracking_number=? ORDER BY id LIMIT 1");
    q.bind(1, std::string(tn));
    if (!q.executeStep()) return std::optional<Parcel>{};
    return std::optional<Parcel>{readParcel(q)};
  });
}

Result<Parcel> Store::parcel(std::int64_t id) {
  return guarded("load parcel", [&]() -> Result<Parcel> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kParcelColumns + " FROM parcels WHERE id=?");
    q.bind(1, static_cast<int64_t>(id));
    if (!q.executeStep())
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(id));
    return readParcel(q);
  });
}

Result<Timeline> Store::timeline(std::int64_t parcelId) {
  return guarded("load timeline", [&]() -> Result<Timeline> {
    SQLite::Statement q(*db_,
                        "SELECT time, local_time, description, location, kind, carrier_status, "
                        "reason, signer_type, signer, province, city, district FROM events "
                        "WHERE parcel_id=? ORDER BY time, id");
    q.bind(1, static_cast<int64_t>(parcelId));
    Timeline out;
    while (q.executeStep()) {
      TrackingEvent e;
      e.time = fromSecs(q.getColumn(0).getInt64());
      e.local_time = q.getColumn(1).getString();
      e.description = q.getColumn(2).getString();
      e.location = q.getColumn(3).getString();
      e.kind = eventKindFromString(q.getColumn(4).getString()).value_or(EventKind::unknown);
      e.carrier_status = q.getColumn(5).getString();
      e.reason = eventReasonFromString(q.getColumn(6).getString()).value_or(EventReason::none);
      e.signer_type = signerTypeFromString(q.getColumn(7).getString()).value_or(SignerType::none);
      e.signer = q.getColumn(8).getString();
      e.place = {q.getColumn(9).getString(), q.getColumn(10).getString(),
                 q.getColumn(11).getString()};
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<PollOutcome> Store::commitPoll(std::int64_t parcelId,
                                      const std::vector<TrackingEvent>& events,
                                      const std::string& carrierState, Timestamp now,
                                      const AssessFn& assess) {
  return guarded("commit poll", [&]() -> Result<PollOutcome> {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    PollOutcome out;
    out.rewritten = dropRewrittenEvents(parcelId, events);
    {
      SQLite::Statement ins(*db_,
                            "INSERT INTO events (parcel_id, time, local_time, description, "
                            "location, kind, carrier_status, reason, signer_type, signer, "
                            "province, city, district, first_seen_at) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
      for (const auto& e : events) {
        ins.bind(1, static_cast<int64_t>(parcelId));
        ins.bind(2, static_cast<int64_t>(secs(e.time)));
        ins.bind(3, e.local_time);
        ins.bind(4, e.description);
        ins.bind(5, e.location);
        ins.bind(6, std::string(toString(e.kind)));
        ins.bind(7, e.carrier_status);
        ins.bind(8, std::string(toString(e.reason)));
        ins.bind(9, std::string(toString(e.signer_type)));
        ins.bind(10, e.signer);
        ins.bind(11, e.place.province);
        ins.bind(12, e.place.city);
        ins.bind(13, e.place.district);
        ins.bind(14, static_cast<int64_t>(secs(now)));
        out.new_events += ins.exec();
        ins.reset();
      }
    }
    auto parcel = this->parcel(parcelId);
    if (!parcel) return parcel.error();
    auto merged = timeline(parcelId);
    if (!merged) return merged.error();
    Assessment assessment = assess(*parcel, *merged);
    out.stage = assessment.stage;

    // Reconcile: open exceptions that no longer hold are resolved; findings
    // without an open exception of their kind open one and raise its task.
    std::map<std::string, std::int64_t> open;
    std::map<std::string, std::string> openEvidence;
    {
      SQLite::Statement q(*db_,
                          "SELECT kind, id, evidence FROM exceptions WHERE parcel_id=? AND "
                          "resolved_at IS NULL");
      q.bind(1, static_cast<int64_t>(parcelId));
      while (q.executeStep()) {
        open[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
        openEvidence[q.getColumn(0).getString()] = q.getColumn(2).getString();
      }
    }
    std::set<std::string> holding;
    for (const auto& issue : assessment.issues) {
      std::string kind(toString(issue.finding.kind));
      holding.insert(kind);
      if (auto it = open.find(kind); it != open.end()) {
        std::string evidence = evidenceJson(issue.finding);
        // Elapsed time grows on every poll; only new evidence is news.
        if (evidence != openEvidence[kind])
          out.updated.push_back({it->second, issue.finding.kind, issue.finding.detail});
        SQLite::Statement up(*db_,
                             "UPDATE exceptions SET elapsed=?, detail=?, evidence=?, updated_at=? "
                             "WHERE id=?");
        up.bind(1, static_cast<int64_t>(issue.finding.elapsed.count()));
        up.bind(2, issue.finding.detail);
        up.bind(3, evidence);
        up.bind(4, static_cast<int64_t>(secs(now)));
        up.bind(5, static_cast<int64_t>(it->second));
        up.exec();
        continue;
      }
      SQLite::Statement ex(*db_,
                           "INSERT INTO exceptions (parcel_id, kind, since, threshold, elapsed, "
                           "detail, evidence, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
      ex.bind(1, static_cast<int64_t>(parcelId));
      ex.bind(2, kind);
      ex.bind(3, static_cast<int64_t>(secs(issue.finding.since)));
      ex.bind(4, static_cast<int64_t>(issue.finding.threshold.count()));
      ex.bind(5, static_cast<int64_t>(issue.finding.elapsed.count()));
      ex.bind(6, issue.finding.detail);
      ex.bind(7, evidenceJson(issue.finding));
      ex.bind(8, static_cast<int64_t>(secs(now)));
      ex.bind(9, static_cast<int64_t>(secs(now)));
      ex.exec();
      std::int64_t exceptionId = db_->getLastInsertRowid();

      SQLite::Statement task(*db_,
                             "INSERT INTO tasks (exception_id, parcel_id, kind, remedy, reason, "
                             "message_zh, message_en, detail, created_at, updated_at) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?)");
      task.bind(1, static_cast<int64_t>(exceptionId));
      task.bind(2, static_cast<int64_t>(parcelId));
      task.bind(3, kind);
      task.bind(4, std::string(toString(issue.suggestion.remedy)));
      task.bind(5, issue.suggestion.reason);
      task.bind(6, issue.message.zh_cn);
      task.bind(7, issue.message.en);
      task.bind(8, issue.finding.detail);
      task.bind(9, static_cast<int64_t>(secs(now)));
      task.bind(10, static_cast<int64_t>(secs(now)));
      task.exec();

      NotificationTask t;
      t.id = db_->getLastInsertRowid();
      t.exception_id = exceptionId;
      t.tracking_number = parcel->tracking_number;
      t.carrier = parcel->carrier;
      t.kind = issue.finding.kind;
      t.suggestion = issue.suggestion;
      t.message = issue.message;
      t.created_at = now;
      t.detail = issue.finding.detail;
      out.raised.push_back(std::move(t));
    }
    for (const auto& [kind, id] : open) {
      if (holding.count(kind)) continue;
      SQLite::Statement res(*db_, "UPDATE exceptions SET resolved_at=?, updated_at=? WHERE id=?");
      res.bind(1, static_cast<int64_t>(secs(now)));
      res.bind(2, static_cast<int64_t>(secs(now)));
      res.bind(3, static_cast<int64_t>(id));
      res.exec();
      // A task nobody acted on is closed with its exception; one an agent
      // acknowledged stays theirs to finish.
      {
        SQLite::Statement q(*db_, "SELECT id FROM tasks WHERE exception_id=? AND state='open'");
        q.bind(1, static_cast<int64_t>(id));
        while (q.executeStep())
          out.closed_tasks.push_back(
              {q.getColumn(0).getInt64(),
               exceptionKindFromString(kind).value_or(ExceptionKind::problem)});
      }
      SQLite::Statement closeTask(*db_,
                                  "UPDATE tasks SET state='done', updated_at=? "
                                  "WHERE exception_id=? AND state='open'");
      closeTask.bind(1, static_cast<int64_t>(secs(now)));
      closeTask.bind(2, static_cast<int64_t>(id));
      closeTask.exec();
      if (auto k = exceptionKindFromString(kind)) {
        out.resolved.push_back(*k);
        out.resolved_ids.push_back(id);
      }
    }

    SQLite::Statement up(*db_,
                         "UPDATE parcels SET stage=?, carrier_state=?, last_polled_at=?, "
                         "last_error=NULL, poll_failures=0 WHERE id=?");
    up.bind(1, std::string(toString(assessment.stage)));
    up.bind(2, carrierState);
    up.bind(3, static_cast<int64_t>(secs(now)));
    up.bind(4, static_cast<int64_t>(parcelId));
    up.exec();
    tx.commit();
    return out;
  });
}

int Store::dropRewrittenEvents(std::int64_t parcelId, const std::vector<TrackingEvent>& events) {
  // Every answer carries the full history. A stored event whose time appears
  // in the answer but whose text or place does not was rewritten by the
  // carrier: the new version replaces it. Events absent from the answer
  // altogether are kept, since some carriers trim old history.
  if (events.empty()) return 0;
  std::set<std::int64_t> times;
  std::set<std::tuple<std::int64_t, std::string, std::string>> current;
  for (const auto& e : events) {
    times.insert(secs(e.time));
    current.emplace(secs(e.time), e.description, e.location);
  }
  SQLite::Statement q(*db_, "SELECT id, time, description, location FROM events WHERE parcel_id=?");
  q.bind(1, static_cast<int64_t>(parcelId));
  std::vector<std::int64_t> stale;
  while (q.executeStep()) {
    std::int64_t t = q.getColumn(1).getInt64();
    if (!times.count(t)) continue;
    if (!current.count({t, q.getColumn(2).getString(), q.getColumn(3).getString()}))
      stale.push_back(q.getColumn(0).getInt64());
  }
  SQLite::Statement del(*db_, "DELETE FROM events WHERE id=?");
  for (auto id : stale) {
    del.bind(1, static_cast<int64_t>(id));
    del.exec();
    del.reset();
  }
  return static_cast<int>(stale.size());
}

Result<void> Store::updateCarrier(std::int64_t parcelId, const std::string& carrier) {
  return guarded("update carrier", [&]() -> Result<void> {
    SQLite::Statement up(*db_, "UPDATE parcels SET carrier=? WHERE id=?");
    up.bind(1, carrier);
    up.bind(2, static_cast<int64_t>(parcelId));
    up.exec();
    return {};
  });
}

Result<void> Store::recordPollFailure(std::int64_t parcelId, Timestamp now,
                                      const std::string& error) {
  return guarded("record poll failure", [&]() -> Result<void> {
    SQLite::Statement up(*db_,
                         "UPDATE parcels SET last_polled_at=?, last_error=?, "
                         "poll_failures=poll_failures+1 WHERE id=?");
    up.bind(1, static_cast<int64_t>(secs(now)));
    up.bind(2, error);
    up.bind(3, static_cast<int64_t>(parcelId));
    up.exec();
    return {};
  });
}

Result<std::vector<NotificationTask>> Store::tasks(const TaskFilter& f) {
  return guarded("list tasks", [&]() -> Result<std::vector<NotificationTask>> {
    std::string sql = std::string("SELECT ") + kTaskColumns +
                      " FROM tasks t JOIN parcels p ON p.id = t.parcel_id WHERE 1=1";
    if (f.state) sql += " AND t.state = :state";
    if (f.kind) sql += " AND t.kind = :kind";
    if (f.tracking_number) sql += " AND p.tracking_number = :tn";
    if (f.carrier) sql += " AND p.carrier = :carrier";
    if (f.created_before) sql += " AND t.created_at < :before";
    if (f.created_after) sql += " AND t.created_at > :after";
    sql += " AND t.id > :after_id ORDER BY t.id LIMIT :limit";
    SQLite::Statement q(*db_, sql);
    if (f.state) q.bind(":state", std::string(toString(*f.state)));
    if (f.kind) q.bind(":kind", std::string(toString(*f.kind)));
    if (f.tracking_number) q.bind(":tn", *f.tracking_number);
    if (f.carrier) q.bind(":carrier", *f.carrier);
    if (f.created_before) q.bind(":before", static_cast<int64_t>(secs(*f.created_before)));
    if (f.created_after) q.bind(":after", static_cast<int64_t>(secs(*f.created_after)));
    q.bind(":after_id", static_cast<int64_t>(f.after_id));
    q.bind(":limit", f.limit);
    std::vector<NotificationTask> out;
    while (q.executeStep()) out.push_back(readTask(q));
    return out;
  });
}

Result<std::vector<NotificationTask>> Store::unalertedTasks() {
  return guarded("list unalerted tasks", [&]() -> Result<std::vector<NotificationTask>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kTaskColumns +
                                  " FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
                                  "WHERE t.alerted_at IS NULL ORDER BY t.id");
    std::vector<NotificationTask> out;
    while (q.executeStep()) out.push_back(readTask(q));
    return out;
  });
}

Result<void> Store::markAlerted(const std::vector<std::int64_t>& ids, Timestamp now) {
  return markAlerted(AlertMarks{ids, {}, {}}, now);
}

Result<void> Store::markAlerted(const AlertMarks& marks, Timestamp now) {
  return guarded("mark alerted", [&]() -> Result<void> {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto mark = [&](const char* sql, const std::vector<std::int64_t>& ids) {
      SQLite::Statement up(*db_, sql);
      for (auto id : ids) {
        up.bind(1, static_cast<int64_t>(secs(now)));
        up.bind(2, static_cast<int64_t>(id));
        up.exec();
        up.reset();
      }
    };
    mark("UPDATE tasks SET alerted_at=? WHERE id=?", marks.tasks);
    mark("UPDATE exceptions SET raised_alerted_at=? WHERE id=?", marks.raised);
    mark("UPDATE exceptions SET resolved_alerted_at=? WHERE id=?", marks.resolved);
    tx.commit();
    return {};
  });
}

Result<std::vector<PendingRaise>> Store::unalertedRaises() {
  return guarded("list unalerted raises", [&]() -> Result<std::vector<PendingRaise>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kTaskColumns +
                                  ", e.raised_alerted_at IS NULL, t.alerted_at IS NULL "
                                  "FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
                                  "JOIN exceptions e ON e.id = t.exception_id "
                                  "WHERE t.alerted_at IS NULL OR e.raised_alerted_at IS NULL "
                                  "ORDER BY t.id");
    std::vector<PendingRaise> out;
    while (q.executeStep()) {
      PendingRaise r;
      r.task = readTask(q);
      r.exception_line = q.getColumn(12).getInt() != 0;
      r.task_line = q.getColumn(13).getInt() != 0;
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::vector<PendingResolve>> Store::unalertedResolves() {
  return guarded("list unalerted resolves", [&]() -> Result<std::vector<PendingResolve>> {
    SQLite::Statement q(*db_,
                        "SELECT e.id, p.tracking_number, p.carrier, e.kind FROM exceptions e "
                        "JOIN parcels p ON p.id = e.parcel_id WHERE e.resolved_at IS NOT NULL "
                        "AND e.resolved_alerted_at IS NULL ORDER BY e.resolved_at, e.id");
    std::vector<PendingResolve> out;
    while (q.executeStep()) {
      PendingResolve r;
      r.exception_id = q.getColumn(0).getInt64();
      r.tracking_number = q.getColumn(1).getString();
      r.carrier = q.getColumn(2).getString();
      r.kind = exceptionKindFromString(q.getColumn(3).getString()).value_or(ExceptionKind::problem);
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<NotificationTask> Store::setTaskState(std::int64_t taskId, TaskState state,
                                             const std::string& outcome, Timestamp now) {
  return guarded("update task", [&]() -> Result<NotificationTask> {
    SQLite::Statement up(*db_, "UPDATE tasks SET state=?, outcome=?, updated_at=? WHERE id=?");
    up.bind(1, std::string(toString(state)));
    up.bind(2, outcome);
    up.bind(3, static_cast<int64_t>(secs(now)));
    up.bind(4, static_cast<int64_t>(taskId));
    if (up.exec() != 1) return makeError(ErrorCode::not_found, "no task " + std::to_string(taskId));
    SQLite::Statement q(*db_,
                        std::string("SELECT ") + kTaskColumns +
                            " FROM tasks t JOIN parcels p ON p.id = t.parcel_id WHERE t.id=?");
    q.bind(1, static_cast<int64_t>(taskId));
    q.executeStep();
    return readTask(q);
  });
}

namespace {

constexpr const char* kExceptionColumns =
    "e.id, e.parcel_id, e.kind, e.since, e.threshold, e.elapsed, e.detail, e.opened_at, "
    "e.resolved_at";

ParcelException readException(SQLite::Statement& q) {
  ParcelException e;
  e.id = q.getColumn(0).getInt64();
  e.parcel_id = q.getColumn(1).getInt64();
  e.finding.kind =
      exceptionKindFromString(q.getColumn(2).getString()).value_or(ExceptionKind::problem);
  e.finding.since = fromSecs(q.getColumn(3).getInt64());
  e.finding.threshold = Seconds(q.getColumn(4).getInt64());
  e.finding.elapsed = Seconds(q.getColumn(5).getInt64());
  e.finding.detail = q.getColumn(6).getString();
  e.opened_at = fromSecs(q.getColumn(7).getInt64());
  e.open = q.getColumn(8).isNull();
  if (!e.open) e.resolved_at = fromSecs(q.getColumn(8).getInt64());
  return e;
}

}  // namespace

Result<std::vector<ParcelException>> Store::exceptions(std::int64_t parcelId) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ParcelException>> {
    SQLite::Statement q(*db_, std::string("SELECT ") + kExceptionColumns +
                                  " FROM exceptions e WHERE e.parcel_id=? ORDER BY e.id DESC");
    q.bind(1, static_cast<int64_t>(parcelId));
    std::vector<ParcelException> out;
    while (q.executeStep()) out.push_back(readException(q));
    return out;
  });
}

Result<std::vector<ExceptionRecord>> Store::listExceptions(const ExceptionFilter& f) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ExceptionRecord>> {
    std::string sql = std::string("SELECT ") + kExceptionColumns +
                      ", p.tracking_number, p.carrier FROM exceptions e JOIN parcels p ON "
                      "p.id = e.parcel_id WHERE e.id > :after_id";
    if (f.open_only) sql += " AND e.resolved_at IS NULL";
    if (f.kind) sql += " AND e.kind = :kind";
    sql += " ORDER BY e.id LIMIT :limit";
    SQLite::Statement q(*db_, sql);
    q.bind(":after_id", static_cast<int64_t>(f.after_id));
    if (f.kind) q.bind(":kind", std::string(toString(*f.kind)));
    q.bind(":limit", f.limit);
    std::vector<ExceptionRecord> out;
    while (q.executeStep()) {
      ExceptionRecord r;
      r.exception = readException(q);
      r.tracking_number = q.getColumn(9).getString();
      r.carrier = q.getColumn(10).getString();
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::vector<std::int64_t>> Store::parcelsWithOpen(ExceptionKind kind) {
  return guarded("list parcels by exception", [&]() -> Result<std::vector<std::int64_t>> {
    SQLite::Statement q(*db_,
                        "SELECT DISTINCT parcel_id FROM exceptions WHERE kind=? AND resolved_at "
                        "IS NULL ORDER BY parcel_id");
    q.bind(1, std::string(toString(kind)));
    std::vector<std::int64_t> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
    return out;
  });
}

Result<void> Store::removeParcel(std::int64_t parcelId) {
  return guarded("remove parcel", [&]() -> Result<void> {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Children first: the foreign keys would cascade, but claims and tasks are explicit here.
    for (auto table : {"claims", "tasks", "exceptions", "events"}) {
      SQLite::Statement del(*db_, std::string("DELETE FROM ") + table + " WHERE parcel_id=?");
      del.bind(1, static_cast<int64_t>(parcelId));
      del.exec();
    }
    SQLite::Statement del(*db_, "DELETE FROM parcels WHERE id=?");
    del.bind(1, static_cast<int64_t>(parcelId));
    if (del.exec() != 1)
      return makeError(ErrorCode::not_found, "no parcel " + std::to_string(parcelId));
    tx.commit();
    return {};
  });
}

Result<void> Store::addClaim(std::int64_t parcelId, const std::string& note, Timestamp now) {
  return guarded("add claim", [&]() -> Result<void> {
    SQLite::Statement ins(*db_,
                          "INSERT INTO claims (parcel_id, buyer_id, note, created_at) "
                          "SELECT id, buyer_id, ?, ? FROM parcels WHERE id=?");
    ins.bind(1, note);
    ins.bind(2, static_cast<int64_t>(secs(now)));
    ins.bind(3, static_cast<int64_t>(parcelId));
    if (ins.exec() != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    return {};
  });
}

Result<bool> Store::hasClaim(std::int64_t parcelId) {
  return guarded("read claims", [&]() -> Result<bool> {
    SQLite::Statement q(*db_, "SELECT 1 FROM claims WHERE parcel_id=? LIMIT 1");
    q.bind(1, static_cast<int64_t>(parcelId));
    return q.executeStep();
  });
}

Result<int> Store::buyerClaims(const std::string& buyerId, Timestamp since) {
  return guarded("read claims", [&]() -> Result<int> {
    SQLite::Statement q(*db_, "SELECT COUNT(*) FROM claims WHERE buyer_id=? AND created_at>=?");
    q.bind(1, buyerId);
    q.bind(2, static_cast<int64_t>(secs(since)));
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

Result<StoreCounts> Store::counts() {
  return guarded("count", [&]() -> Result<StoreCounts> {
    StoreCounts c;
    auto grouped = [&](const char* sql, std::map<std::string, std::int64_t>& into) {
      SQLite::Statement q(*db_, sql);
      while (q.executeStep()) into[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    };
    grouped("SELECT stage, COUNT(*) FROM parcels GROUP BY stage", c.parcels_by_stage);
    grouped("SELECT kind, COUNT(*) FROM exceptions WHERE resolved_at IS NULL GROUP BY kind",
            c.open_exceptions_by_kind);
    grouped("SELECT state, COUNT(*) FROM tasks GROUP BY state", c.tasks_by_state);
    c.events = db_->execAndGet("SELECT COUNT(*) FROM events").getInt64();
    return c;
  });
}

Result<std::string> Store::quickCheck() {
  return guarded("quick_check", [&]() -> Result<std::string> {
    return db_->execAndGet("PRAGMA quick_check").getString();
  });
}

}  // namespace pw
