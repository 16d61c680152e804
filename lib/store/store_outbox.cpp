// The notification outbox: rows written with the change they report, read and
// marked by the sinks' delivery on the event loop's connection.
#include "store/outbox_write.h"

#include "store/outbox_lines.h"
#include "store/sqlite_store.h"
#include "store/store_state.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace pw {
using store::State;

namespace {

std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }

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

std::int64_t head(State& s) {
  auto q = s.statements.get("SELECT coalesce(max(seq), 0) FROM outbox");
  q->executeStep();
  std::int64_t seq = q->getColumn(0).getInt64();
  // Pruned to empty: the last seq handed out is still in sqlite_sequence.
  if (seq == 0) {
    auto sq =
        s.statements.get("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name='outbox'");
    if (sq->executeStep()) seq = sq->getColumn(0).getInt64();
  }
  return seq;
}

// A sink's delivered_through goes up to just before its first unfinished row
// (failing, parked or untouched), and the 'done' marks below it are dropped:
// the sink's state stays as small as its window of events in flight.
void advance(State& s, const std::string& sink) {
  std::int64_t through = 0;
  {
    auto q = s.statements.get("SELECT delivered_through FROM notify_sinks WHERE name=?");
    q->bind(1, sink);
    if (!q->executeStep()) return;
    through = q->getColumn(0).getInt64();
  }
  std::int64_t next = 0;
  {
    auto q = s.statements.get(
        "SELECT o.seq FROM outbox o LEFT JOIN notify_state st ON st.sink=?1 AND st.seq=o.seq "
        "WHERE o.seq > ?2 AND (st.state IS NULL OR st.state <> 'done') ORDER BY o.seq LIMIT 1");
    q->bind(1, sink);
    q->bind(2, static_cast<int64_t>(through));
    next = q->executeStep() ? q->getColumn(0).getInt64() - 1 : head(s);
  }
  if (next <= through) return;
  {
    auto up = s.statements.get("UPDATE notify_sinks SET delivered_through=? WHERE name=?");
    up->bind(1, static_cast<int64_t>(next));
    up->bind(2, sink);
    up->exec();
  }
  auto del = s.statements.get("DELETE FROM notify_state WHERE sink=? AND seq<=? AND state='done'");
  del->bind(1, sink);
  del->bind(2, static_cast<int64_t>(next));
  del->exec();
}

}  // namespace

namespace store {

namespace {

std::string insertStored(State& s, Timestamp at, std::string_view event, StoredLine stored) {
  // OR FAIL: no statement journal (see insertEventsSql, stored_events.cpp).
  auto ins = s.statements.get(
      "INSERT OR FAIL INTO outbox (at, event, payload, form, task_id) VALUES (?,?,?,?,?)");
  ins->bind(1, static_cast<int64_t>(secs(at)));
  ins->bind(2, std::string(event));
  ins->bind(3, stored.payload);
  ins->bind(4, stored.form);
  if (stored.task_id)
    ins->bind(5, static_cast<int64_t>(*stored.task_id));
  else
    ins->bind(5);
  ins->exec();
  return std::move(stored.line);
}

std::string insertLine(State& s, Timestamp at, const boost::json::object& line,
                       const NotificationTask* task) {
  const auto* event = line.if_contains("event");
  std::string name = event && event->is_string() ? std::string(event->as_string()) : "";
  return insertStored(s, at, name, storedLine(at, name, line, task));
}

}  // namespace

std::string writeOutbox(State& s, Timestamp at, const boost::json::object& line) {
  return insertLine(s, at, line, nullptr);
}

std::string writeTaskLine(State& s, Timestamp at, const NotificationTask& task,
                          const boost::json::object& line) {
  return insertLine(s, at, line, &task);
}

std::string writeRaiseLine(State& s, Timestamp at, std::string_view event,
                           const NotificationTask& task) {
  return insertStored(s, at, event, storedRaiseLine(at, event, task));
}

}  // namespace store

Result<void> SqliteStore::setOutboxSinks(const std::vector<std::string>& names) {
  return guarded("set outbox sinks", [&]() -> Result<void> {
    store::WriteTransaction tx(*s_);
    std::int64_t end = head(*s_);
    std::vector<std::string> known;
    {
      auto q = s_->statements.get("SELECT name FROM notify_sinks");
      while (q->executeStep()) known.push_back(q->getColumn(0).getString());
    }
    for (const auto& k : known) {
      if (std::find(names.begin(), names.end(), k) != names.end()) continue;
      for (const char* sql :
           {"DELETE FROM notify_state WHERE sink=?", "DELETE FROM notify_sinks WHERE name=?"}) {
        auto del = s_->statements.get(sql);
        del->bind(1, k);
        del->exec();
      }
    }
    for (const auto& n : names) {
      auto ins = s_->statements.get(
          "INSERT INTO notify_sinks (name, delivered_through) VALUES (?,?) "
          "ON CONFLICT (name) DO NOTHING");
      ins->bind(1, n);
      ins->bind(2, static_cast<int64_t>(end));
      ins->exec();
    }
    tx.commit();
    return {};
  });
}

Result<std::vector<OutboxRow>> SqliteStore::outboxAfter(std::string_view sink,
                                                        std::int64_t afterSeq, int limit) {
  return guarded("read outbox", [&]() -> Result<std::vector<OutboxRow>> {
    std::string name(sink);
    auto q = s_->statements.get(
        std::string("SELECT o.seq, coalesce(st.failures, 0), coalesce(st.first_failure, 0), "
                    "coalesce(st.retry_at, 0), coalesce(st.error, ''), ") +
        store::kOutboxLineColumns +
        " FROM notify_sinks k CROSS JOIN outbox o "
        "LEFT JOIN notify_state st ON st.sink=k.name AND st.seq=o.seq" +
        store::kOutboxJoins +
        " WHERE k.name=?1 AND o.seq > max(?2, k.delivered_through) "
        "AND (st.state IS NULL OR st.state='failing') ORDER BY o.seq LIMIT ?3");
    q->bind(1, name);
    q->bind(2, static_cast<int64_t>(afterSeq));
    q->bind(3, limit);
    std::vector<OutboxRow> out;
    while (q->executeStep()) {
      OutboxRow r;
      r.seq = q->getColumn(0).getInt64();
      r.failures = q->getColumn(1).getInt();
      r.first_failure_ms = q->getColumn(2).getInt64();
      r.retry_at_ms = q->getColumn(3).getInt64();
      r.error = q->getColumn(4).getString();
      r.at = Timestamp(Seconds(q->getColumn(5).getInt64()));
      r.event = q->getColumn(6).getString();
      r.payload = store::outboxLine(*s_, *q, 5);
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<void> SqliteStore::outboxDelivered(std::string_view sink,
                                          const std::vector<std::int64_t>& seqs) {
  return guarded("mark delivered", [&]() -> Result<void> {
    std::string name(sink);
    store::WriteTransaction tx(*s_);
    for (auto seq : seqs) {
      auto up = s_->statements.get(
          "INSERT INTO notify_state (sink, seq, state) VALUES (?,?,'done') "
          "ON CONFLICT (sink, seq) DO UPDATE SET state='done', error=''");
      up->bind(1, name);
      up->bind(2, static_cast<int64_t>(seq));
      up->exec();
    }
    advance(*s_, name);
    tx.commit();
    return {};
  });
}

Result<void> SqliteStore::outboxFailure(std::string_view sink, std::int64_t seq,
                                        const OutboxFailure& f) {
  return guarded("record delivery failure", [&]() -> Result<void> {
    store::WriteTransaction tx(*s_);
    auto up = s_->statements.get(
        "INSERT INTO notify_state (sink, seq, state, failures, first_failure, retry_at, error) "
        "VALUES (?1,?2,'failing',?3,?4,?5,?6) ON CONFLICT (sink, seq) DO UPDATE SET "
        "state='failing', failures=?3, first_failure=?4, retry_at=?5, error=?6");
    up->bind(1, std::string(sink));
    up->bind(2, static_cast<int64_t>(seq));
    up->bind(3, f.failures);
    up->bind(4, static_cast<int64_t>(f.first_failure_ms));
    up->bind(5, static_cast<int64_t>(f.retry_at_ms));
    up->bind(6, f.error);
    up->exec();
    tx.commit();
    return {};
  });
}

Result<void> SqliteStore::outboxPark(std::string_view sink, std::int64_t seq,
                                     const std::string& reason) {
  return guarded("park event", [&]() -> Result<void> {
    store::WriteTransaction tx(*s_);
    auto up = s_->statements.get(
        "INSERT INTO notify_state (sink, seq, state, error) VALUES (?1,?2,'parked',?3) "
        "ON CONFLICT (sink, seq) DO UPDATE SET state='parked', error=?3");
    up->bind(1, std::string(sink));
    up->bind(2, static_cast<int64_t>(seq));
    up->bind(3, reason);
    up->exec();
    tx.commit();
    return {};
  });
}

Result<std::int64_t> SqliteStore::outboxRequeue(std::string_view sink) {
  return guarded("requeue parked", [&]() -> Result<std::int64_t> {
    store::WriteTransaction tx(*s_);
    // Deleting the mark puts the event back as never tried: a fresh schedule.
    auto del = s_->statements.get("DELETE FROM notify_state WHERE sink=? AND state='parked'");
    del->bind(1, std::string(sink));
    std::int64_t n = del->exec();
    tx.commit();
    return n;
  });
}

Result<std::vector<OutboxSinkSummary>> SqliteStore::outboxSummary() {
  return guarded("outbox summary", [&]() -> Result<std::vector<OutboxSinkSummary>> {
    std::vector<OutboxSinkSummary> out;
    std::int64_t end = head(*s_);
    {
      auto q = s_->statements.get("SELECT name, delivered_through FROM notify_sinks ORDER BY name");
      while (q->executeStep())
        out.push_back({q->getColumn(0).getString(), q->getColumn(1).getInt64(), 0, 0, 0});
    }
    for (auto& k : out) {
      auto q = s_->statements.get(
          "SELECT coalesce(sum(state='done'), 0), coalesce(sum(state='failing'), 0), "
          "coalesce(sum(state='parked'), 0) FROM notify_state WHERE sink=?");
      q->bind(1, k.sink);
      q->executeStep();
      std::int64_t done = q->getColumn(0).getInt64();
      k.failing = q->getColumn(1).getInt64();
      k.parked = q->getColumn(2).getInt64();
      // seq has no gaps but those of rolled-back requests, so end - through
      // is the count to within them; exact would mean counting rows.
      k.backlog = std::max<std::int64_t>(0, end - k.delivered_through - done - k.parked);
    }
    return out;
  });
}

Result<std::vector<ParkedEvent>> SqliteStore::outboxParked(std::string_view sink, int limit) {
  return guarded("list parked", [&]() -> Result<std::vector<ParkedEvent>> {
    auto q = s_->statements.get(
        "SELECT st.sink, st.seq, coalesce(o.event, ''), st.error FROM notify_state st "
        "LEFT JOIN outbox o ON o.seq=st.seq WHERE st.state='parked' AND (?1='' OR st.sink=?1) "
        "ORDER BY st.sink, st.seq LIMIT ?2");
    q->bind(1, std::string(sink));
    q->bind(2, limit);
    std::vector<ParkedEvent> out;
    while (q->executeStep())
      out.push_back({q->getColumn(0).getString(), q->getColumn(1).getInt64(),
                     q->getColumn(2).getString(), q->getColumn(3).getString()});
    return out;
  });
}

Result<std::int64_t> SqliteStore::pruneOutbox(int limit, Timestamp before) {
  return guarded("prune outbox", [&]() -> Result<std::int64_t> {
    store::WriteTransaction tx(*s_);
    // The lowest delivered_through bounds what every sink has finished; with
    // no sink at all nobody wants the rows.
    std::int64_t upTo = 0;
    {
      auto q = s_->statements.get(
          "SELECT CASE WHEN count(*)=0 THEN (SELECT coalesce(max(seq), 0) FROM outbox) "
          "ELSE min(delivered_through) END FROM notify_sinks");
      q->executeStep();
      upTo = q->getColumn(0).getInt64();
    }
    // Only the oldest `limit` rows are looked at: rows are in commit order, so their times
    // rise with seq, and a filter on the time over the whole table read every row (a
    // million and more, half a second on the event loop, once a minute) whenever none was
    // old enough. A clock set back leaves an older row behind a younger one until that
    // one is old enough too.
    auto del = s_->statements.get(
        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM (SELECT seq, at FROM outbox "
        "WHERE seq<=?1 ORDER BY seq LIMIT ?3) WHERE at<?2)");
    del->bind(1, static_cast<int64_t>(upTo));
    del->bind(2, static_cast<int64_t>(secs(before)));
    del->bind(3, limit);
    std::int64_t n = del->exec();
    tx.commit();
    return n;
  });
}

Result<std::vector<OutboxEntry>> SqliteStore::readOutbox(std::int64_t afterSeq, int limit) {
  return guarded("read outbox", [&]() -> Result<std::vector<OutboxEntry>> {
    auto q = s_->statements.get(std::string("SELECT o.seq, ") + store::kOutboxLineColumns +
                                " FROM outbox o" + store::kOutboxJoins +
                                " WHERE o.seq > ? ORDER BY o.seq LIMIT ?");
    q->bind(1, static_cast<int64_t>(afterSeq));
    q->bind(2, limit);
    std::vector<OutboxEntry> out;
    while (q->executeStep())
      out.push_back({q->getColumn(0).getInt64(), Timestamp(Seconds(q->getColumn(1).getInt64())),
                     q->getColumn(2).getString(), store::outboxLine(*s_, *q, 1)});
    return out;
  });
}

Result<std::int64_t> SqliteStore::outboxHead() {
  return guarded("outbox head", [&]() -> Result<std::int64_t> { return head(*s_); });
}

}  // namespace pw
