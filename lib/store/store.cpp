#include "store/sqlite_store.h"

#include "model/alert_record.h"
#include "store/outbox_write.h"

#include "store/content_hash.h"
#include "store/migrations.h"
#include "store/parcel_row.h"
#include "store/store_state.h"
#include "store/stored_events.h"
#include "store/wal_frame_vfs.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace pw {
namespace fs = std::filesystem;
using store::kParcelColumns;
using store::readParcel;
using store::State;

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

void bindOptional(SQLite::Statement& st, int index, const std::optional<Timestamp>& v) {
  if (v)
    st.bind(index, static_cast<int64_t>(secs(*v)));
  else
    st.bind(index);
}

// One write in its own BEGIN IMMEDIATE transaction: an autocommit write can
// fail at once when another connection's commit made its snapshot stale,
// where BEGIN IMMEDIATE waits its turn (busy_timeout).
template <class Bind>
int writeOne(State& s, const std::string& sql, Bind&& bind) {
  store::WriteTransaction tx(s);
  int changed = 0;
  {
    auto st = s.statements.get(sql);
    bind(*st);
    changed = st->exec();
  }
  tx.commit();
  return changed;
}

std::optional<Timestamp> optionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return fromSecs(c.getInt64());
}

// pw_hash(text): the content hash events are identified by, for SQL (the
// migration to version 8 computes it for the rows it moves).
void sqlContentHash(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, store::contentHash(std::string_view(text, static_cast<size_t>(n))));
}

void migrate(SQLite::Database& db, const fs::path& file) {
  const auto& steps = store::migrations();
  const int latest = static_cast<int>(steps.size());
  auto newer = [&](int version) {
    return std::runtime_error(file.string() + ": schema version " + std::to_string(version) +
                              " is newer than this parcelwatchd knows (" + std::to_string(latest) +
                              ")");
  };
  int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > latest) throw newer(version);
  if (version == latest) return;
  // Under the write lock: another connection opening the same file waits
  // here, then finds the steps done.
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  version = db.execAndGet("PRAGMA user_version").getInt();
  if (version > latest) throw newer(version);
  for (int i = version; i < latest; ++i) {
    const auto& step = steps[static_cast<size_t>(i)];
    if (step.run)
      step.run(db);
    else
      db.exec(std::string(step.sql));
  }
  db.exec("PRAGMA user_version=" + std::to_string(latest));
  tx.commit();
}

constexpr const char* kTaskColumns =
    "t.id, t.exception_id, p.tracking_number, p.carrier, t.kind, t.remedy, t.reason_id, "
    "t.template_id, t.facts, t.message_zh, t.message_en, t.state, t.created_at, t.detail";

NotificationTask readTask(State& s, SQLite::Statement& st) {
  NotificationTask t;
  t.id = st.getColumn(0).getInt64();
  t.exception_id = st.getColumn(1).getInt64();
  t.tracking_number = st.getColumn(2).getString();
  t.carrier = st.getColumn(3).getString();
  t.kind = exceptionKindFromString(st.getColumn(4).getString()).value_or(ExceptionKind::problem);
  t.suggestion.remedy =
      remedyFromString(st.getColumn(5).getString()).value_or(Remedy::manual_review);
  t.suggestion.reason = s.dict.textOf(st.getColumn(6).getInt64());
  if (!st.getColumn(7).isNull()) {
    auto m = store::renderMessage(store::templatesOf(s, st.getColumn(7).getInt64()),
                                  st.getColumn(8).getString());
    if (!m) throw std::runtime_error(m.error().message);
    t.message = std::move(*m);
  } else {
    t.message = {st.getColumn(9).getString(), st.getColumn(10).getString()};
  }
  t.state = taskStateFromString(st.getColumn(11).getString()).value_or(TaskState::open);
  t.created_at = fromSecs(st.getColumn(12).getInt64());
  t.detail = st.getColumn(13).getString();
  return t;
}

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db, const StoreOptions& options)
    : db_(std::move(db)), s_(std::make_unique<State>(*db_, options)) {}
SqliteStore::~SqliteStore() = default;

namespace {

// Another connection to `file`, without a checkpointer thread of its own and
// with at most `cacheMib` of page cache; null for an in-memory database.
Result<std::unique_ptr<SqliteStore>> openBeside(const fs::path& file, StoreOptions options,
                                                int cacheMib) {
  if (file.empty() || file == ":memory:") return std::unique_ptr<SqliteStore>();
  options.checkpoint_every = std::chrono::milliseconds(0);
  options.cache_mib = std::min(options.cache_mib, cacheMib);
  return SqliteStore::open(file, options);
}

}  // namespace

Result<std::unique_ptr<Store>> SqliteStore::openScreen() {
  // It reads each page once, in the file's order: a big cache would only
  // add to the daemon's memory, once per screening thread.
  auto screen = openBeside(file_, s_->options, 8);
  if (!screen) return screen.error();
  return std::unique_ptr<Store>(std::move(*screen));
}

Result<std::unique_ptr<Store>> SqliteStore::openWriter() {
  // Its writes land on pages all over the file (a parcel, its events, its
  // exceptions): a cache as large as the loop's only added to the daemon's
  // memory (RSS 470 MiB during reassess --all at a million parcels).
  auto writer = openBeside(file_, s_->options, 16);
  if (!writer) return writer.error();
  if (!*writer) return std::unique_ptr<Store>();
  // The checkpointer thread keeps the log short; the writer's commits keep
  // this connection's backstop, which they now make most of.
  (*writer)->keeps_backstop_ = checkpointer_ != nullptr;
  (*writer)->marks_ = marks_;
  (*writer)->defer_marks_ = true;
  (*writer)->followScreens();
  return std::unique_ptr<Store>(std::move(*writer));
}

namespace {

// SQLite counts the memory it holds (sqlite3_memory_used) under one mutex
// for the whole process, taken on every allocation and free: the two
// screens, the writer and the loop of a reassessment queued on it (strace:
// most of the screens' futex waits were on that one lock). Nothing here
// reads the count. It can only be switched off before SQLite initialises,
// so it is done before the first connection; if something opened one
// before (a test, a tool), the count simply stays on.
void stopMemoryCount() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const fs::path& file,
                                                       const StoreOptions& options) {
  stopMemoryCount();
  // Switching a new file to WAL takes an exclusive lock that SQLite does not
  // wait for (no busy handler): two openers of a new file, or the integrity
  // check's connection at start, can see SQLITE_BUSY. They try again until
  // the busy timeout.
  auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  while (true) {
    try {
      return openOnce(file, options);
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline)
        return makeError(ErrorCode::io, "open " + file.string() + ": " + e.what());
    } catch (const std::exception& e) {
      return makeError(ErrorCode::io, "open " + file.string() + ": " + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::openOnce(const fs::path& file,
                                                           const StoreOptions& options) {
  {
    // One connection is used by one thread (see sqlite_store.h): SQLite's
    // own mutex around every call would only cost (a lock per column read).
    // Through the VFS that writes a log frame in one system call (wal_frame_vfs.h).
    auto db = std::make_unique<SQLite::Database>(
        file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
        static_cast<int>(options.busy_timeout.count()), store::walFrameVfs());
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA journal_size_limit=67108864");
    db->exec("PRAGMA cache_size=-" + std::to_string(options.cache_mib * 1024));
    // Each result of a group commit runs in a savepoint, and a savepoint
    // copies every page it touches into a sub-journal; on the default temp
    // store that journal spills to a temporary file after 64 KiB, so a batch
    // wrote most of its pages twice, through the kernel, before its commit.
    // In memory it is bounded by one transaction's pages.
    db->exec("PRAGMA temp_store=MEMORY");
    db->createFunction("pw_hash", 1, true, nullptr, &sqlContentHash);
    // Off while tables are rebuilt (a foreign key check per moved row, and
    // DROP TABLE would delete row by row); it cannot change inside a transaction.
    db->exec("PRAGMA foreign_keys=OFF");
    try {
      migrate(*db, file);
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const SQLite::Exception*>(&e)) throw;
      return makeError(ErrorCode::io, e.what());
    }
    // And off after: SQLite enforces an immediate foreign key at the end of each statement,
    // so every insert into a table with an index kept a statement journal, a copy of each
    // page the statement touched, in case it had to be undone (with the checks themselves,
    // 7 % of the writer's instructions for a first answer). The store keeps the relations
    // itself: every write of a parcel's rows reads the parcel in the same transaction, and
    // removeParcel deletes its rows from every table. `check` reports any row whose parcel
    // or exception is gone (PRAGMA foreign_key_check) with the file's integrity.
    bool onDisk = !file.empty() && file != ":memory:";
    if (onDisk && options.checkpoint_every.count() > 0) {
      // The checkpointer thread keeps the log short; SQLite's own checkpoint
      // in the commit stays only as a backstop should that thread fall behind
      // (64 MiB of log).
      db->exec("PRAGMA wal_autocheckpoint=" + std::to_string(kWalBackstopPages));
    }
    auto store = std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db), options));
    store->file_ = file;
    if (onDisk && options.checkpoint_every.count() > 0)
      store->checkpointer_ =
          std::make_unique<store::WalCheckpointer>(file, options.checkpoint_every);
    return store;
  }
}

Result<SqliteStore::AddOutcome> SqliteStore::addParcel(const Parcel& p, Timestamp now) {
  return guarded("add parcel", [&]() -> Result<AddOutcome> {
    store::WriteTransaction tx(*s_);
    bool inserted = false;
    {
      // A new parcel is due at once.
      auto ins = s_->statements.get(
          "INSERT INTO parcels (tracking_number, carrier, province, city, district, "
          "address, shipped_at, promised_by, order_value, buyer_id, phone, "
          "registered_at, country, next_poll_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?12) "
          "ON CONFLICT (tracking_number, carrier) DO NOTHING");
      ins->bind(1, p.tracking_number);
      ins->bind(2, p.carrier);
      ins->bind(3, p.destination.province);
      ins->bind(4, p.destination.city);
      ins->bind(5, p.destination.district);
      ins->bind(6, p.destination.address);
      ins->bind(7, static_cast<int64_t>(secs(p.shipped_at)));
      bindOptional(*ins, 8, p.promised_by);
      if (p.order_value)
        ins->bind(9, *p.order_value);
      else
        ins->bind(9);
      bindOptional(*ins, 10, p.buyer_id);
      bindOptional(*ins, 11, p.phone);
      ins->bind(12, static_cast<int64_t>(secs(now)));
      ins->bind(13, p.destination.country);
      inserted = ins->exec() == 1;
    }
    auto q = s_->statements.get("SELECT id FROM parcels WHERE tracking_number=? AND carrier=?");
    q->bind(1, p.tracking_number);
    q->bind(2, p.carrier);
    q->executeStep();
    AddOutcome out{inserted, q->getColumn(0).getInt64()};
    q->tryReset();
    tx.commit();
    return out;
  });
}

Result<std::vector<PollTarget>> SqliteStore::pollTargets() {
  return guarded("list poll targets", [&]() -> Result<std::vector<PollTarget>> {
    auto q = s_->statements.get(
        "SELECT id, tracking_number, last_polled_at FROM parcels "
        "WHERE stage NOT IN ('delivered', 'returned') ORDER BY id");
    std::vector<PollTarget> out;
    while (q->executeStep()) {
      PollTarget t;
      t.parcel_id = q->getColumn(0).getInt64();
      t.tracking_number = q->getColumn(1).getString();
      t.last_polled_at = optionalTime(q->getColumn(2));
      out.push_back(std::move(t));
    }
    return out;
  });
}

Result<std::vector<DueParcel>> SqliteStore::dueParcels(Timestamp now, int limit) {
  return guarded("list due parcels", [&]() -> Result<std::vector<DueParcel>> {
    auto q = s_->statements.get(
        "SELECT p.id, p.tracking_number, p.carrier, p.next_poll_at, p.stage, p.last_query_at, "
        "p.quota_tokens, p.quota_at, p.last_polled_at, "
        "(SELECT e.time FROM events e WHERE e.parcel_id = p.id ORDER BY e.time DESC LIMIT 1), "
        "(SELECT e.kind_id FROM events e WHERE e.parcel_id = p.id ORDER BY e.time DESC, e.id DESC "
        "LIMIT 1) "
        "FROM parcels p WHERE p.next_poll_at IS NOT NULL AND p.next_poll_at <= ? "
        "ORDER BY p.next_poll_at, p.id LIMIT ?");
    q->bind(1, static_cast<int64_t>(secs(now)));
    q->bind(2, limit);
    std::vector<DueParcel> out;
    while (q->executeStep()) {
      DueParcel d;
      d.parcel_id = q->getColumn(0).getInt64();
      d.tracking_number = q->getColumn(1).getString();
      d.carrier = q->getColumn(2).getString();
      d.next_poll_at = fromSecs(q->getColumn(3).getInt64());
      d.stage =
          parcelStageFromString(q->getColumn(4).getString()).value_or(ParcelStage::in_transit);
      d.quota.last_query_at = optionalTime(q->getColumn(5));
      if (!q->getColumn(6).isNull()) d.quota.tokens = q->getColumn(6).getDouble();
      d.quota.tokens_at = optionalTime(q->getColumn(7));
      d.last_polled_at = optionalTime(q->getColumn(8));
      d.last_event_at = optionalTime(q->getColumn(9));
      if (!q->getColumn(10).isNull())
        d.last_event_kind = eventKindFromString(s_->dict.textOf(q->getColumn(10).getInt64()));
      out.push_back(std::move(d));
    }
    return out;
  });
}

Result<std::vector<SqliteStore::ActiveParcel>> SqliteStore::activeParcels(std::int64_t afterId,
                                                                          int limit) {
  return guarded("list active parcels", [&]() -> Result<std::vector<ActiveParcel>> {
    auto q = s_->statements.get(std::string("SELECT ") + kParcelColumns +
                                ", last_polled_at FROM parcels WHERE id > ? AND stage NOT IN "
                                "('delivered', 'returned') ORDER BY id LIMIT ?");
    q->bind(1, static_cast<int64_t>(afterId));
    q->bind(2, limit);
    std::vector<ActiveParcel> out;
    while (q->executeStep()) {
      ActiveParcel a{readParcel(*q), std::nullopt};
      if (!q->getColumn(14).isNull()) a.last_polled_at = fromSecs(q->getColumn(14).getInt64());
      out.push_back(std::move(a));
    }
    return out;
  });
}

Result<std::vector<std::int64_t>> SqliteStore::activeParcelIds(std::int64_t afterId, int limit) {
  return guarded("list active parcel ids", [&]() -> Result<std::vector<std::int64_t>> {
    auto q = s_->statements.get(
        "SELECT id FROM parcels WHERE id > ? AND stage NOT IN ('delivered', 'returned') "
        "ORDER BY id LIMIT ?");
    q->bind(1, static_cast<int64_t>(afterId));
    q->bind(2, limit);
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(std::max(limit, 0)));
    while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
    return out;
  });
}

Result<std::optional<Timestamp>> SqliteStore::nextDue() {
  return guarded("read next due", [&]() -> Result<std::optional<Timestamp>> {
    auto q =
        s_->statements.get("SELECT MIN(next_poll_at) FROM parcels WHERE next_poll_at IS NOT NULL");
    q->executeStep();
    return optionalTime(q->getColumn(0));
  });
}

Result<void> SqliteStore::setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at) {
  return guarded("schedule poll", [&]() -> Result<void> {
    int changed = writeOne(*s_, "UPDATE parcels SET next_poll_at=? WHERE id=?", [&](auto& up) {
      bindOptional(up, 1, at);
      up.bind(2, static_cast<int64_t>(parcelId));
    });
    if (changed != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    return {};
  });
}

Result<void> SqliteStore::recordQuery(std::int64_t parcelId, Timestamp at, double tokens) {
  return guarded("record query", [&]() -> Result<void> {
    int changed = writeOne(
        *s_, "UPDATE parcels SET last_query_at=?1, quota_tokens=?2, quota_at=?1 WHERE id=?3",
        [&](auto& up) {
          up.bind(1, static_cast<int64_t>(secs(at)));
          up.bind(2, tokens);
          up.bind(3, static_cast<int64_t>(parcelId));
        });
    if (changed != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    return {};
  });
}

namespace {

std::optional<Parcel> lookupParcel(store::State& s, std::string_view tn) {
  // The first registered when a number is tracked with two carriers. Not
  // ORDER BY id: SQLite sorted the one row in a temporary b-tree, nearly
  // half of this call's cost, which was a fifth of the event loop's time
  // on the push path.
  static const std::string sql =
      std::string("SELECT ") + kParcelColumns + " FROM parcels WHERE tracking_number=?";
  auto q = s.statements.getStatic(sql);
  q->bind(1, std::string(tn));
  std::optional<Parcel> first;
  while (q->executeStep())
    if (!first || q->getColumn(0).getInt64() < first->id) first = readParcel(*q);
  return first;
}

}  // namespace

Result<std::optional<Parcel>> SqliteStore::findParcel(std::string_view tn) {
  return guarded("find parcel",
                 [&]() -> Result<std::optional<Parcel>> { return lookupParcel(*s_, tn); });
}

Result<std::vector<std::optional<Parcel>>> SqliteStore::findParcels(
    const std::vector<std::string>& numbers) {
  return guarded("find parcels", [&]() -> Result<std::vector<std::optional<Parcel>>> {
    std::optional<store::ReadTransaction> tx;
    if (numbers.size() > 1) tx.emplace(*s_);
    std::vector<std::optional<Parcel>> found;
    found.reserve(numbers.size());
    for (const auto& n : numbers) found.push_back(lookupParcel(*s_, n));
    return found;
  });
}

Result<Parcel> SqliteStore::parcel(std::int64_t id) {
  return guarded("load parcel", [&]() -> Result<Parcel> {
    // Built once and found by address: the writer reads the row at every commit.
    static const std::string sql =
        std::string("SELECT ") + kParcelColumns + " FROM parcels WHERE id=?";
    auto q = s_->statements.getStatic(sql);
    q->bind(1, static_cast<int64_t>(id));
    if (!q->executeStep())
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(id));
    return readParcel(*q);
  });
}

Result<Timeline> SqliteStore::timeline(std::int64_t parcelId) {
  return guarded("load timeline", [&]() -> Result<Timeline> {
    Timeline out;
    for (auto& r : store::loadTimeline(*s_, parcelId)) out.push_back(std::move(r.event));
    return out;
  });
}

Result<void> SqliteStore::updateCarrier(std::int64_t parcelId, const std::string& carrier) {
  wrote(parcelId);
  return guarded("update carrier", [&]() -> Result<void> {
    writeOne(*s_, "UPDATE parcels SET carrier=? WHERE id=?", [&](auto& up) {
      up.bind(1, carrier);
      up.bind(2, static_cast<int64_t>(parcelId));
    });
    return {};
  });
}

Result<void> SqliteStore::recordPollFailure(std::int64_t parcelId, Timestamp now,
                                            const std::string& error) {
  wrote(parcelId);
  return guarded("record poll failure", [&]() -> Result<void> {
    writeOne(*s_,
             "UPDATE parcels SET last_polled_at=?, last_error=?, "
             "poll_failures=poll_failures+1 WHERE id=?",
             [&](auto& up) {
               up.bind(1, static_cast<int64_t>(secs(now)));
               up.bind(2, error);
               up.bind(3, static_cast<int64_t>(parcelId));
             });
    return {};
  });
}

Result<std::vector<NotificationTask>> SqliteStore::tasks(const TaskFilter& f) {
  return guarded("list tasks", [&]() -> Result<std::vector<NotificationTask>> {
    // Without a number to start from, walk tasks in id order (CROSS JOIN
    // keeps SQLite from starting at parcels), through (state, id) or (kind,
    // id) when filtered: a page reads a page of rows, never all of them.
    std::string sql = std::string("SELECT ") + kTaskColumns +
                      (f.tracking_number ? " FROM parcels p JOIN tasks t ON p.id = t.parcel_id"
                                         : " FROM tasks t CROSS JOIN parcels p ON p.id = "
                                           "t.parcel_id") +
                      " WHERE t.id > :after_id";
    if (f.state) sql += " AND t.state = :state";
    if (f.kind) sql += " AND t.kind = :kind";
    if (f.tracking_number) sql += " AND p.tracking_number = :tn";
    if (f.carrier) sql += " AND p.carrier = :carrier";
    if (f.created_before) sql += " AND t.created_at < :before";
    if (f.created_after) sql += " AND t.created_at > :after";
    sql += " ORDER BY t.id LIMIT :limit";
    auto q = s_->statements.get(sql);
    q->bind(":after_id", static_cast<int64_t>(f.after_id));
    if (f.state) q->bind(":state", std::string(toString(*f.state)));
    if (f.kind) q->bind(":kind", std::string(toString(*f.kind)));
    if (f.tracking_number) q->bind(":tn", *f.tracking_number);
    if (f.carrier) q->bind(":carrier", *f.carrier);
    if (f.created_before) q->bind(":before", static_cast<int64_t>(secs(*f.created_before)));
    if (f.created_after) q->bind(":after", static_cast<int64_t>(secs(*f.created_after)));
    q->bind(":limit", f.limit);
    std::vector<NotificationTask> out;
    while (q->executeStep()) out.push_back(readTask(*s_, *q));
    return out;
  });
}

Result<std::vector<NotificationTask>> SqliteStore::unalertedTasks() {
  return guarded("list unalerted tasks", [&]() -> Result<std::vector<NotificationTask>> {
    auto q = s_->statements.get(std::string("SELECT ") + kTaskColumns +
                                " FROM tasks t INDEXED BY tasks_unalerted CROSS JOIN parcels p ON "
                                "p.id = t.parcel_id WHERE t.alerted_at IS NULL ORDER BY t.id");
    std::vector<NotificationTask> out;
    while (q->executeStep()) out.push_back(readTask(*s_, *q));
    return out;
  });
}

Result<void> SqliteStore::markAlerted(const AlertMarks& marks, Timestamp now) {
  return guarded("mark alerted", [&]() -> Result<void> {
    store::WriteTransaction tx(*s_);
    writeMarks(marks, now);
    tx.commit();
    return {};
  });
}

void SqliteStore::writeMarks(const AlertMarks& marks, Timestamp now) {
  // A statement a run of consecutive ids, not one an id: a batch's raises have theirs in a
  // row (the writer's instructions for marks, bench_load 3000 16 under callgrind: -19 %).
  auto mark = [&](const char* sql, std::vector<std::int64_t> ids) {
    std::sort(ids.begin(), ids.end());
    for (std::size_t from = 0; from < ids.size();) {
      std::size_t to = from;
      while (to + 1 < ids.size() && ids[to + 1] <= ids[to] + 1) ++to;
      auto up = s_->statements.get(sql);
      up->bind(1, static_cast<int64_t>(secs(now)));
      up->bind(2, static_cast<int64_t>(ids[from]));
      up->bind(3, static_cast<int64_t>(ids[to]));
      up->exec();
      from = to + 1;
    }
  };
  mark("UPDATE tasks SET alerted_at=? WHERE id BETWEEN ? AND ?", marks.tasks);
  mark("UPDATE exceptions SET raised_alerted_at=? WHERE id BETWEEN ? AND ?", marks.raised);
  mark("UPDATE exceptions SET resolved_alerted_at=? WHERE id BETWEEN ? AND ?", marks.resolved);
}

Result<std::vector<PendingRaise>> SqliteStore::unalertedRaises() {
  return guarded("list unalerted raises", [&]() -> Result<std::vector<PendingRaise>> {
    // From the partial index of unalerted exceptions and the one of
    // unalerted tasks: nothing else is scanned.
    auto q = s_->statements.get(
        std::string("SELECT ") + kTaskColumns +
        ", e.raised_alerted_at IS NULL, t.alerted_at IS NULL "
        "FROM tasks t JOIN parcels p ON p.id = t.parcel_id "
        "JOIN exceptions e ON e.id = t.exception_id "
        "WHERE t.id IN (SELECT id FROM tasks WHERE alerted_at IS NULL) "
        "OR t.exception_id IN (SELECT id FROM exceptions WHERE raised_alerted_at IS NULL) "
        "ORDER BY t.id");
    std::vector<PendingRaise> out;
    while (q->executeStep()) {
      PendingRaise r;
      r.task = readTask(*s_, *q);
      r.exception_line = q->getColumn(14).getInt() != 0;
      r.task_line = q->getColumn(15).getInt() != 0;
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::vector<PendingResolve>> SqliteStore::unalertedResolves() {
  return guarded("list unalerted resolves", [&]() -> Result<std::vector<PendingResolve>> {
    auto q = s_->statements.get(
        "SELECT e.id, p.tracking_number, p.carrier, e.kind FROM exceptions e "
        "JOIN parcels p ON p.id = e.parcel_id WHERE e.resolved_at IS NOT NULL "
        "AND e.resolved_alerted_at IS NULL ORDER BY e.resolved_at, e.id");
    std::vector<PendingResolve> out;
    while (q->executeStep()) {
      PendingResolve r;
      r.exception_id = q->getColumn(0).getInt64();
      r.tracking_number = q->getColumn(1).getString();
      r.carrier = q->getColumn(2).getString();
      r.kind =
          exceptionKindFromString(q->getColumn(3).getString()).value_or(ExceptionKind::problem);
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<NotificationTask> SqliteStore::setTaskState(std::int64_t taskId, TaskState state,
                                                   const std::string& outcome, Timestamp now) {
  return guarded("update task", [&]() -> Result<NotificationTask> {
    // The change and its task_updated outbox row are one transaction.
    store::WriteTransaction tx(*s_);
    int changed = 0;
    {
      auto up = s_->statements.get("UPDATE tasks SET state=?, outcome=?, updated_at=? WHERE id=?");
      up->bind(1, std::string(toString(state)));
      up->bind(2, outcome);
      up->bind(3, static_cast<int64_t>(secs(now)));
      up->bind(4, static_cast<int64_t>(taskId));
      changed = up->exec();
    }
    if (changed != 1) return makeError(ErrorCode::not_found, "no task " + std::to_string(taskId));
    NotificationTask task;
    {
      auto q = s_->statements.get(std::string("SELECT ") + kTaskColumns +
                                  " FROM tasks t CROSS JOIN parcels p ON p.id = t.parcel_id "
                                  "WHERE t.id=?");
      q->bind(1, static_cast<int64_t>(taskId));
      q->executeStep();
      task = readTask(*s_, *q);
    }
    store::writeTaskLine(*s_, now, task, taskUpdatedRecord(task, outcome, now));
    tx.commit();
    return task;
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

Result<std::vector<ParcelException>> SqliteStore::exceptions(std::int64_t parcelId) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ParcelException>> {
    auto q = s_->statements.get(std::string("SELECT ") + kExceptionColumns +
                                " FROM exceptions e WHERE e.parcel_id=? ORDER BY e.id DESC");
    q->bind(1, static_cast<int64_t>(parcelId));
    std::vector<ParcelException> out;
    while (q->executeStep()) out.push_back(readException(*q));
    return out;
  });
}

Result<std::vector<ExceptionRecord>> SqliteStore::listExceptions(const ExceptionFilter& f) {
  return guarded("list exceptions", [&]() -> Result<std::vector<ExceptionRecord>> {
    std::string sql = std::string("SELECT ") + kExceptionColumns +
                      ", p.tracking_number, p.carrier FROM exceptions e" +
                      (f.open_only ? " INDEXED BY exceptions_open" : "") +
                      " CROSS JOIN parcels p ON p.id = e.parcel_id WHERE e.id > :after_id";
    if (f.open_only) sql += " AND e.resolved_at IS NULL";
    if (f.kind) sql += " AND e.kind = :kind";
    sql += " ORDER BY e.id LIMIT :limit";
    auto q = s_->statements.get(sql);
    q->bind(":after_id", static_cast<int64_t>(f.after_id));
    if (f.kind) q->bind(":kind", std::string(toString(*f.kind)));
    q->bind(":limit", f.limit);
    std::vector<ExceptionRecord> out;
    while (q->executeStep()) {
      ExceptionRecord r;
      r.exception = readException(*q);
      r.tracking_number = q->getColumn(9).getString();
      r.carrier = q->getColumn(10).getString();
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::vector<std::int64_t>> SqliteStore::parcelsWithOpen(ExceptionKind kind,
                                                               std::int64_t afterId, int limit) {
  return guarded("list parcels by exception", [&]() -> Result<std::vector<std::int64_t>> {
    // At most one open exception of a kind per parcel: no DISTINCT needed.
    auto q = s_->statements.get(
        "SELECT parcel_id FROM exceptions INDEXED BY exceptions_open_by_kind "
        "WHERE kind=? AND resolved_at IS NULL AND parcel_id > ? ORDER BY parcel_id LIMIT ?");
    q->bind(1, std::string(toString(kind)));
    q->bind(2, static_cast<int64_t>(afterId));
    q->bind(3, limit);
    std::vector<std::int64_t> out;
    while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
    return out;
  });
}

Result<void> SqliteStore::removeParcel(std::int64_t parcelId) {
  // Its claims counted for the buyer's other parcels.
  wroteAll();
  return guarded("remove parcel", [&]() -> Result<void> {
    store::WriteTransaction tx(*s_);
    // Children first, each through its parcel index (foreign keys are not enforced: see open).
    for (auto sql :
         {"DELETE FROM claims WHERE parcel_id=?", "DELETE FROM tasks WHERE parcel_id=?",
          "DELETE FROM exceptions WHERE parcel_id=?", "DELETE FROM events WHERE parcel_id=?",
          "DELETE FROM dropped_events WHERE parcel_id=?"}) {
      auto del = s_->statements.get(sql);
      del->bind(1, static_cast<int64_t>(parcelId));
      del->exec();
    }
    auto del = s_->statements.get("DELETE FROM parcels WHERE id=?");
    del->bind(1, static_cast<int64_t>(parcelId));
    if (del->exec() != 1)
      return makeError(ErrorCode::not_found, "no parcel " + std::to_string(parcelId));
    tx.commit();
    return {};
  });
}

Result<void> SqliteStore::addClaim(std::int64_t parcelId, const std::string& note, Timestamp now) {
  // It counts for every parcel of the buyer.
  wroteAll();
  return guarded("add claim", [&]() -> Result<void> {
    int changed = writeOne(*s_,
                           "INSERT INTO claims (parcel_id, buyer_id, note, created_at) "
                           "SELECT id, buyer_id, ?, ? FROM parcels WHERE id=?",
                           [&](auto& ins) {
                             ins.bind(1, note);
                             ins.bind(2, static_cast<int64_t>(secs(now)));
                             ins.bind(3, static_cast<int64_t>(parcelId));
                           });
    if (changed != 1)
      return makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(parcelId));
    return {};
  });
}

Result<bool> SqliteStore::hasClaim(std::int64_t parcelId) {
  return guarded("read claims", [&]() -> Result<bool> {
    auto q = s_->statements.get("SELECT 1 FROM claims WHERE parcel_id=? LIMIT 1");
    q->bind(1, static_cast<int64_t>(parcelId));
    return q->executeStep();
  });
}

Result<int> SqliteStore::buyerClaims(const std::string& buyerId, Timestamp since) {
  return guarded("read claims", [&]() -> Result<int> {
    auto q = s_->statements.get("SELECT COUNT(*) FROM claims WHERE buyer_id=? AND created_at>=?");
    q->bind(1, buyerId);
    q->bind(2, static_cast<int64_t>(secs(since)));
    q->executeStep();
    return q->getColumn(0).getInt();
  });
}

Result<StoreCounts> SqliteStore::counts() {
  return guarded("count", [&]() -> Result<StoreCounts> {
    StoreCounts c;
    auto q = s_->statements.get("SELECT what, key, n FROM counts WHERE n <> 0");
    while (q->executeStep()) {
      std::string what = q->getColumn(0).getString();
      std::int64_t n = q->getColumn(2).getInt64();
      if (what == "events")
        c.events = n;
      else if (what == "stage")
        c.parcels_by_stage[q->getColumn(1).getString()] = n;
      else if (what == "open")
        c.open_exceptions_by_kind[q->getColumn(1).getString()] = n;
      else if (what == "task")
        c.tasks_by_state[q->getColumn(1).getString()] = n;
    }
    return c;
  });
}

Result<std::string> SqliteStore::quickCheck() {
  return guarded("quick_check", [&]() -> Result<std::string> {
    std::string out;
    {
      auto q = s_->statements.get("PRAGMA quick_check");
      while (q->executeStep()) {
        if (!out.empty()) out += "\n";
        out += q->getColumn(0).getString();
      }
    }
    // The relations the store keeps without SQLite enforcing them (see open): a row whose
    // parent is gone is a fault to report, at most a few lines of it.
    constexpr int kShown = 10;
    int orphans = 0;
    std::string listed;
    auto q = s_->statements.get("PRAGMA foreign_key_check");
    while (q->executeStep()) {
      if (++orphans > kShown) continue;
      listed += "\n" + q->getColumn(0).getString() + " row";
      if (!q->getColumn(1).isNull()) listed += " " + std::to_string(q->getColumn(1).getInt64());
      listed += " refers to a missing " + q->getColumn(2).getString() + " row";
    }
    if (orphans == 0) return out;
    if (out == "ok") out.clear();
    if (!out.empty()) out += "\n";
    out += std::to_string(orphans) + " row(s) refer to rows that are gone" + listed;
    if (orphans > kShown) out += "\n...";
    return out;
  });
}

namespace store {

const MessageTemplatesRow& templatesOf(State& s, std::int64_t id) {
  if (auto it = s.templates.find(id); it != s.templates.end()) return it->second;
  auto parsed = parseTemplates(s.dict.textOf(id));
  if (!parsed) throw std::runtime_error(parsed.error().message);
  return s.templates.emplace(id, std::move(*parsed)).first->second;
}

}  // namespace store

}  // namespace pw
