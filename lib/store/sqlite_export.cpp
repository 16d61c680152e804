#include "store/sqlite_export.h"

#include "model/model_json.h"
#include "store/message_text.h"
#include "store/outbox_lines.h"
#include "store/store_state.h"
#include "store/stored_events.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace pw {

namespace {

// Each query reads one page and names its columns as the target calls them. ?1 and ?2 are the
// key to start after (integer, text), ?3 the page size.
struct TableQuery {
  const char* table;
  const char* sql;
};

// A NULL local_time is the event's time in UTC+8 as carriers write it (stored_events.cpp),
// spelled as the migration to version 8 spelled it; an id nobody wrote in `dict` reads as "",
// as Dictionary::textOf reads it.
constexpr TableQuery kQueries[] = {
    {"parcels",
     "SELECT id, tracking_number, carrier, province, city, district, address, country, "
     "shipped_at, promised_by, order_value, buyer_id, phone, stage, carrier_state, registered_at, "
     "last_polled_at, last_error, poll_failures, next_poll_at, last_query_at, quota_tokens, "
     "quota_at FROM parcels WHERE id > ?1 ORDER BY id LIMIT ?3"},
    {"events",
     "SELECT e.id, e.parcel_id, e.time, "
     "COALESCE(e.local_time, strftime('%Y-%m-%d %H:%M:%S', e.time + 28800, 'unixepoch')) "
     "AS local_time, COALESCE(e.description, t.text, '') AS description, "
     "COALESCE(dl.text, '') AS location, COALESCE(dk.text, '') AS kind, "
     "COALESCE(ds.text, '') AS carrier_status, COALESCE(dr.text, '') AS reason, "
     "COALESCE(dt.text, '') AS signer_type, COALESCE(dg.text, '') AS signer, "
     "COALESCE(dp.text, '') AS province, COALESCE(dc.text, '') AS city, "
     "COALESCE(dd.text, '') AS district, e.first_seen_at FROM events e "
     "LEFT JOIN texts t ON t.id = e.text_id LEFT JOIN dict dl ON dl.id = e.location_id "
     "LEFT JOIN dict dk ON dk.id = e.kind_id LEFT JOIN dict ds ON ds.id = e.status_id "
     "LEFT JOIN dict dr ON dr.id = e.reason_id LEFT JOIN dict dt ON dt.id = e.signer_type_id "
     "LEFT JOIN dict dg ON dg.id = e.signer_id LEFT JOIN dict dp ON dp.id = e.province_id "
     "LEFT JOIN dict dc ON dc.id = e.city_id LEFT JOIN dict dd ON dd.id = e.district_id "
     "WHERE e.id > ?1 ORDER BY e.id LIMIT ?3"},
    {"exceptions",
     "SELECT id, parcel_id, kind, since, threshold, elapsed, detail, evidence, opened_at, "
     "updated_at, resolved_at, raised_alerted_at, resolved_alerted_at FROM exceptions "
     "WHERE id > ?1 ORDER BY id LIMIT ?3"},
    // template_id and facts are replaced by the rendered message in finishTasks.
    {"tasks",
     "SELECT t.id, t.exception_id, t.parcel_id, t.kind, t.remedy, COALESCE(d.text, '') AS reason, "
     "t.message_zh, t.message_en, t.detail, t.state, t.outcome, t.created_at, t.updated_at, "
     "t.alerted_at, t.template_id, t.facts FROM tasks t LEFT JOIN dict d ON d.id = t.reason_id "
     "WHERE t.id > ?1 ORDER BY t.id LIMIT ?3"},
    {"claims",
     "SELECT id, parcel_id, buyer_id, note, created_at FROM claims WHERE id > ?1 ORDER BY id "
     "LIMIT ?3"},
    // The identity a backend keys dropped events by is its own (PostgreSQL: a hash of the texts),
    // so the texts go out; whole parcels per page, in parcel order.
    {"dropped_events",
     "SELECT d.parcel_id, d.time, COALESCE(t.text, '') AS description, "
     "COALESCE(l.text, '') AS location FROM dropped_events d "
     "LEFT JOIN texts t ON t.id = d.text_id LEFT JOIN dict l ON l.id = d.location_id "
     "WHERE d.parcel_id IN (SELECT DISTINCT parcel_id FROM dropped_events WHERE parcel_id > ?1 "
     "ORDER BY parcel_id LIMIT ?3) ORDER BY d.parcel_id, d.time, d.text_id, d.location_id"},
    // The line as readers get it (outbox_lines.h), in place of the row's columns: see page().
    {"outbox", nullptr},
    // (name, 0) > (?2, ?1): everything when ?1 is INT64_MIN, then names after ?2.
    {"notify_sinks",
     "SELECT name, delivered_through FROM notify_sinks WHERE (name, 0) > (?2, ?1) ORDER BY name "
     "LIMIT ?3"},
    {"notify_state",
     "SELECT sink, seq, state, failures, first_failure, retry_at, error FROM notify_state "
     "WHERE (sink, seq) > (?2, ?1) ORDER BY sink, seq LIMIT ?3"},
};

const TableQuery* queryOf(const std::string& table) {
  for (const auto& q : kQueries)
    if (table == q.table) return &q;
  return nullptr;
}

ExportValue valueOf(const SQLite::Column& c) {
  if (c.isInteger()) return ExportValue(static_cast<std::int64_t>(c.getInt64()));
  if (c.isFloat()) return ExportValue(c.getDouble());
  if (c.isNull()) return ExportValue();
  return ExportValue(c.getString());
}

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

std::size_t columnIndex(const ExportPage& page, std::string_view name) {
  for (std::size_t i = 0; i < page.columns.size(); ++i)
    if (page.columns[i] == name) return i;
  throw std::logic_error("export: no column " + std::string(name));
}

const std::string* textIn(const ExportValue& v) { return std::get_if<std::string>(&v); }
const std::int64_t* intIn(const ExportValue& v) { return std::get_if<std::int64_t>(&v); }

}  // namespace

const std::vector<std::string>& SqliteExport::tables() {
  static const std::vector<std::string> kTables = [] {
    std::vector<std::string> out;
    for (const auto& q : kQueries) out.emplace_back(q.table);
    return out;
  }();
  return kTables;
}

bool SqliteExport::keyedById(const std::string& table) {
  return table != "dropped_events" && table != "notify_sinks" && table != "notify_state";
}

SqliteExport::SqliteExport(std::unique_ptr<SQLite::Database> db)
    : db_(std::move(db)), s_(std::make_unique<store::State>(*db_, StoreOptions())) {}
SqliteExport::~SqliteExport() = default;

Result<std::unique_ptr<SqliteExport>> SqliteExport::open(const std::filesystem::path& file) {
  return guarded("open " + file.string(), [&]() -> Result<std::unique_ptr<SqliteExport>> {
    auto db = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY, 5000);
    return std::unique_ptr<SqliteExport>(new SqliteExport(std::move(db)));
  });
}

Result<ExportPage> SqliteExport::page(const std::string& table, std::int64_t after,
                                      const std::string& afterText, int limit) {
  return guarded("read " + table, [&]() -> Result<ExportPage> {
    const TableQuery* query = queryOf(table);
    if (!query) return makeError(ErrorCode::invalid_input, "no table " + table + " to export");
    ExportPage page;
    page.next_after = after;
    page.next_after_text = afterText;
    bool outbox = table == "outbox";
    {
      auto q = s_->statements.get(
          outbox ? std::string("SELECT o.seq, ") + store::kOutboxLineColumns + " FROM outbox o" +
                       store::kOutboxJoins + " WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?3"
                 : std::string(query->sql));
      q->bind(1, static_cast<int64_t>(after));
      q->bind(2, afterText);
      q->bind(3, limit);
      while (q->executeStep()) {
        if (outbox) {
          page.columns = {"seq", "at", "event", "payload"};
          page.rows.push_back({valueOf(q->getColumn(0)), valueOf(q->getColumn(1)),
                               valueOf(q->getColumn(2)), store::outboxLine(*s_, *q, 1)});
          continue;
        }
        if (page.columns.empty())
          for (int i = 0; i < q->getColumnCount(); ++i)
            page.columns.emplace_back(q->getColumnName(i));
        ExportRow row;
        row.reserve(page.columns.size());
        for (int i = 0; i < q->getColumnCount(); ++i) row.push_back(valueOf(q->getColumn(i)));
        page.rows.push_back(std::move(row));
      }
    }
    if (page.rows.empty()) return page;
    const ExportRow& last = page.rows.back();
    if (table == "notify_sinks") {
      page.next_after = 0;
      page.next_after_text = std::get<std::string>(last[0]);
    } else if (table == "notify_state") {
      page.next_after_text = std::get<std::string>(last[0]);
      page.next_after = std::get<std::int64_t>(last[1]);
    } else {
      page.next_after = std::get<std::int64_t>(last[0]);
    }
    if (table == "tasks") finishTasks(page);
    if (table == "exceptions") finishExceptions(page);
    return page;
  });
}

// The message the SQLite store shows for a task (store.cpp, readTask): rendered again from its
// templates and facts, or the text kept when it could not be rebuilt.
void SqliteExport::finishTasks(ExportPage& page) {
  std::size_t zh = columnIndex(page, "message_zh"), en = columnIndex(page, "message_en");
  std::size_t templ = columnIndex(page, "template_id"), facts = columnIndex(page, "facts");
  std::map<std::int64_t, store::MessageTemplatesRow> parsed;
  for (auto& row : page.rows) {
    if (const std::int64_t* id = intIn(row[templ])) {
      auto it = parsed.find(*id);
      if (it == parsed.end()) {
        auto t = store::parseTemplates(s_->dict.textOf(*id));
        if (!t) throw std::runtime_error(t.error().message);
        it = parsed.emplace(*id, std::move(*t)).first;
      }
      const std::string* f = textIn(row[facts]);
      auto m = store::renderMessage(it->second, f ? *f : std::string("[]"));
      if (!m) throw std::runtime_error(m.error().message);
      row[zh] = m->zh_cn;
      row[en] = m->en;
    }
    for (std::size_t c : {zh, en})
      if (!textIn(row[c])) row[c] = std::string();
    row.erase(row.begin() + static_cast<std::ptrdiff_t>(std::max(templ, facts)));
    row.erase(row.begin() + static_cast<std::ptrdiff_t>(std::min(templ, facts)));
  }
  page.columns.erase(page.columns.begin() + static_cast<std::ptrdiff_t>(std::max(templ, facts)));
  page.columns.erase(page.columns.begin() + static_cast<std::ptrdiff_t>(std::min(templ, facts)));
}

// SQLite keeps an open exception's evidence as [[time, text_id], ...] and compares it with a new
// finding's to notice new evidence; a store that keeps the events themselves compares those, so
// the events are looked up in the parcel's timeline. One the carrier has since rewritten is no
// longer there: its time and text (texts keeps every description) are what the cap and the
// comparison read of it. A resolved exception's evidence is never read.
void SqliteExport::finishExceptions(ExportPage& page) {
  std::size_t parcel = columnIndex(page, "parcel_id"), evidence = columnIndex(page, "evidence");
  std::size_t resolved = columnIndex(page, "resolved_at");
  for (auto& row : page.rows) {
    const std::string* key = textIn(row[evidence]);
    if (!intIn(row[resolved]) && key) {
      auto timeline = store::loadTimeline(*s_, std::get<std::int64_t>(row[parcel]));
      boost::json::array events;
      for (const auto& [time, textId] : store::parseEvidenceKey(*key)) {
        const TrackingEvent* found = nullptr;
        for (const auto& stored : timeline)
          if (stored.text_id == textId && stored.event.time.time_since_epoch().count() == time) {
            found = &stored.event;
            break;
          }
        TrackingEvent gone;
        if (!found) {
          gone.time = Timestamp(Seconds(time));
          auto q = s_->statements.get("SELECT text FROM texts WHERE id=?");
          q->bind(1, static_cast<int64_t>(textId));
          if (q->executeStep()) gone.description = q->getColumn(0).getString();
          found = &gone;
        }
        events.push_back(eventToJson(*found));
      }
      row[evidence] = boost::json::serialize(events);
    } else {
      row[evidence] = std::string("[]");
    }
  }
}

Result<std::int64_t> SqliteExport::rowCount(const std::string& table) {
  return guarded("count " + table, [&]() -> Result<std::int64_t> {
    if (!queryOf(table)) return makeError(ErrorCode::invalid_input, "no table " + table);
    return static_cast<std::int64_t>(db_->execAndGet("SELECT count(*) FROM " + table).getInt64());
  });
}

Result<std::int64_t> SqliteExport::outboxHighSeq() {
  return guarded("read outbox sequence", [&]() -> Result<std::int64_t> {
    auto q = s_->statements.get(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0), "
        "coalesce((SELECT max(seq) FROM outbox), 0))");
    q->executeStep();
    return static_cast<std::int64_t>(q->getColumn(0).getInt64());
  });
}

Result<std::vector<ExportRow>> SqliteExport::parcelIdentities(std::int64_t first,
                                                              std::int64_t last) {
  return guarded("read parcels", [&]() -> Result<std::vector<ExportRow>> {
    auto q = s_->statements.get(
        "SELECT id, tracking_number, carrier FROM parcels WHERE id BETWEEN ? AND ? ORDER BY id");
    q->bind(1, static_cast<int64_t>(first));
    q->bind(2, static_cast<int64_t>(last));
    std::vector<ExportRow> out;
    while (q->executeStep())
      out.push_back({valueOf(q->getColumn(0)), valueOf(q->getColumn(1)), valueOf(q->getColumn(2))});
    return out;
  });
}

}  // namespace pw
