#include "store/stored_events.h"

#include "common/time_format.h"
#include "common/time_zone.h"
#include "store/content_hash.h"
#include "store/event_cap.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <map>
#include <set>

namespace pw::store {

namespace {

std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }

// Carriers in China write local times in UTC+8 (no daylight saving since
// 1991); an event's local time is NULL on disk when it is exactly that.
// strftime's text, as the rows were written; formatLocalDateTime gives the same
// for four-digit years without strftime's cost (one call per stored event).
std::string chinaTime(std::int64_t utc) {
  using namespace std::chrono;
  static const TimeZone china = TimeZone::shanghai();
  constexpr std::int64_t first =
      (sys_days{year{1000} / 1 / 1} - hours(8)).time_since_epoch() / seconds(1);
  constexpr std::int64_t last =
      (sys_days{year{10000} / 1 / 1} - hours(8)).time_since_epoch() / seconds(1);
  if (utc >= first && utc < last) return formatLocalDateTime(Timestamp(Seconds(utc)), china);
  std::time_t t = static_cast<std::time_t>(utc + 8 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Whether `local` is exactly chinaTime(utc), read rather than written: formatting
// each stored event's time to compare was 3 % of a first poll's commit. Only
// the one form chinaTime writes for years 1000 to 9999 can be equal; a leap
// second (":60") is the one text of that form that reads back as another time's,
// and a year written with a leading zero is not how chinaTime writes it.
bool isChinaTime(std::string_view local, std::int64_t utc) {
  static const TimeZone china = TimeZone::shanghai();
  if (local.size() != 19 || local[0] == '0' || local[4] != '-' || local[7] != '-' ||
      local[10] != ' ' || local[13] != ':' || local[16] != ':' || local.substr(17) == "60")
    return false;
  auto t = parseLocalDateTime(local, china);
  return t && secs(*t) == utc;
}

// The description goes to `texts` under its hash; a different text already
// there under the same hash (2^-64 odds) keeps this one in the event row.
bool storeText(State& s, std::int64_t textId, const std::string& text) {
  if (const auto* stored = s.texts.storedText(textId)) return *stored == text;
  {
    auto ins =
        s.statements.get("INSERT INTO texts (id, text) VALUES (?, ?) ON CONFLICT DO NOTHING");
    ins->bind(1, static_cast<int64_t>(textId));
    ins->bind(2, text);
    if (ins->exec() == 1) {
      s.texts.noteStored(textId, text);
      return true;
    }
  }
  auto q = s.statements.get("SELECT text FROM texts WHERE id=?");
  q->bind(1, static_cast<int64_t>(textId));
  if (!q->executeStep()) return false;
  std::string stored = q->getColumn(0).getString();
  s.texts.noteStored(textId, stored);
  return stored == text;
}

// An event to insert, its text already stored (storeText): `shared` when the row leaves
// its description to `texts`.
struct NewEvent {
  const TrackingEvent* event;
  std::int64_t text_id;
  std::int64_t location_id;
  bool shared;
};

constexpr std::size_t kEventsPerInsert = 8;
constexpr int kEventColumns = 15;

// "INSERT INTO events (...) VALUES (...),(...)" for 1 to kEventsPerInsert rows, built once:
// an answer's new events go in one statement, not one each: a statement's own run (its start,
// halting, resetting) was about a tenth of the 10 k instructions an event cost the writer. SQLite
// inserts a VALUES list's rows in order, so their ids keep the order the events came in. OR FAIL,
// as on every insert of the commit path: a conflict stops the statement without undoing the rows it
// wrote, so SQLite keeps no statement journal (a copy of each page the statement touches); a
// request that fails is rolled back whole (commitIn).
const std::string& insertEventsSql(std::size_t rows) {
  static const auto sql = [] {
    std::array<std::string, kEventsPerInsert + 1> out;
    for (std::size_t n = 1; n <= kEventsPerInsert; ++n) {
      std::string q =
          "INSERT OR FAIL INTO events (parcel_id, time, text_id, location_id, local_time, kind_id, "
          "status_id, reason_id, signer_type_id, signer_id, province_id, city_id, district_id, "
          "first_seen_at, description) VALUES ";
      for (std::size_t i = 0; i < n; ++i) {
        if (i) q += ',';
        q += "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
      }
      out[n] = std::move(q);
    }
    return out;
  }();
  return sql.at(rows);
}

void bindEvent(State& s, SQLite::Statement& ins, int first, std::int64_t parcelId,
               const NewEvent& n, std::int64_t now) {
  const TrackingEvent& e = *n.event;
  std::int64_t t = secs(e.time);
  auto id = [&](std::string_view text) { return static_cast<int64_t>(s.dict.idOf(text)); };
  ins.bind(first + 1, static_cast<int64_t>(parcelId));
  ins.bind(first + 2, static_cast<int64_t>(t));
  ins.bind(first + 3, static_cast<int64_t>(n.text_id));
  ins.bind(first + 4, static_cast<int64_t>(n.location_id));
  if (isChinaTime(e.local_time, t))
    ins.bind(first + 5);
  else
    ins.bind(first + 5, e.local_time);
  ins.bind(first + 6, id(toString(e.kind)));
  ins.bind(first + 7, id(e.carrier_status));
  ins.bind(first + 8, id(toString(e.reason)));
  ins.bind(first + 9, id(toString(e.signer_type)));
  ins.bind(first + 10, id(e.signer));
  ins.bind(first + 11, id(e.place.province));
  ins.bind(first + 12, id(e.place.city));
  ins.bind(first + 13, id(e.place.district));
  ins.bind(first + 14, static_cast<int64_t>(now));
  if (n.shared)
    ins.bind(first + 15);
  else
    ins.bind(first + 15, e.description);
}

void insertEvents(State& s, std::int64_t parcelId, const std::vector<NewEvent>& events,
                  std::int64_t now) {
  for (std::size_t from = 0; from < events.size(); from += kEventsPerInsert) {
    std::size_t rows = std::min(kEventsPerInsert, events.size() - from);
    auto ins = s.statements.getStatic(insertEventsSql(rows));
    for (std::size_t i = 0; i < rows; ++i)
      bindEvent(s, *ins, static_cast<int>(i) * kEventColumns, parcelId, events[from + i], now);
    ins->exec();
  }
}

bool wasDropped(State& s, std::int64_t parcelId, std::int64_t time, std::int64_t textId,
                std::int64_t locationId) {
  auto q = s.statements.get(
      "SELECT 1 FROM dropped_events WHERE parcel_id=? AND time=? AND text_id=? AND location_id=?");
  q->bind(1, static_cast<int64_t>(parcelId));
  q->bind(2, static_cast<int64_t>(time));
  q->bind(3, static_cast<int64_t>(textId));
  q->bind(4, static_cast<int64_t>(locationId));
  return q->executeStep();
}

}  // namespace

const char* const kStoredEventColumns =
    "e.id, e.time, e.local_time, e.description, e.text_id, e.location_id, "
    "e.kind_id, e.status_id, e.reason_id, e.signer_type_id, e.signer_id, e.province_id, "
    "e.city_id, e.district_id";

void fillChinaTime(TrackingEvent& e) { e.local_time = chinaTime(secs(e.time)); }

bool readEvent(State& s, const RawStatement& q, int first, LocalTimes local, EventKeys& k,
               TrackingEvent& e) {
  auto text = [&](int i) -> const std::string& { return s.dict.textOf(q.int64(first + i)); };
  bool inChinaTime = false;
  k.id = q.int64(first);
  std::int64_t t = q.int64(first + 1);
  e.time = Timestamp(Seconds(t));
  if (!q.isNull(first + 2)) {
    e.local_time = q.text(first + 2);
  } else {
    inChinaTime = true;
    if (local == LocalTimes::read) fillChinaTime(e);
  }
  k.text_id = q.int64(first + 4);
  // NULL unless another text holds its hash in `texts`.
  if (q.isNull(first + 3))
    e.description = s.texts.textOf(k.text_id);
  else
    e.description = q.text(first + 3);
  k.location_id = q.int64(first + 5);
  e.location = text(5);
  e.kind = eventKindFromString(text(6)).value_or(EventKind::unknown);
  e.carrier_status = text(7);
  e.reason = eventReasonFromString(text(8)).value_or(EventReason::none);
  e.signer_type = signerTypeFromString(text(9)).value_or(SignerType::none);
  e.signer = text(10);
  e.place = {text(11), text(12), text(13)};
  return inChinaTime;
}

StoredEvent readStoredEvent(State& s, const RawStatement& q, int first) {
  StoredEvent r;
  readEvent(s, q, first, LocalTimes::read, r, r.event);
  return r;
}

std::vector<StoredEvent> loadTimeline(State& s, std::int64_t parcelId) {
  // In the index's order, by time; equal times in the order they came (by
  // id). ORDER BY e.time, e.id had SQLite sort each timeline's equal times
  // in a temporary b-tree, on every commit of a poll or push.
  auto q = s.raw.get(std::string("SELECT ") + kStoredEventColumns +
                     " FROM events e WHERE e.parcel_id=? ORDER BY e.time");
  q->bind(1, parcelId);
  std::vector<StoredEvent> out;
  while (q->step()) out.push_back(readStoredEvent(s, *q, 0));
  sortInArrivalOrder(out);
  return out;
}

void sortInArrivalOrder(std::vector<StoredEvent>& events) {
  auto before = [](const StoredEvent& a, const StoredEvent& b) {
    return arrivedBefore(a.event.time, a.id, b.event.time, b.id);
  };
  if (!std::is_sorted(events.begin(), events.end(), before))
    std::sort(events.begin(), events.end(), before);
}

MergeCount mergeEvents(State& s, std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                       std::int64_t now) {
  struct Incoming {
    const TrackingEvent* event;
    std::int64_t text_id;
    std::int64_t location_id;
  };
  std::map<std::int64_t, std::vector<Incoming>> byTime;
  for (const auto& e : events)
    byTime[secs(e.time)].push_back({&e, contentHash(e.description), s.dict.idOf(e.location)});
  if (byTime.empty()) return {};
  // The parcel's stored events in one range read of the identity index (a
  // query per distinct time, and a dropped-event probe per new event, were
  // most of the statements a first poll ran), and the dropped ones only if
  // it has any. All of them, not those at the answer's times alone: carriers
  // send the whole history, and none stored means a first answer without a
  // query to ask.
  struct Row {
    std::int64_t id, text_id, location_id;
  };
  std::map<std::int64_t, std::vector<Row>> storedByTime;
  bool anyStored = false;
  {
    auto q =
        s.statements.get("SELECT id, time, text_id, location_id FROM events WHERE parcel_id=?");
    q->bind(1, static_cast<int64_t>(parcelId));
    const std::int64_t first = byTime.begin()->first, last = byTime.rbegin()->first;
    while (q->executeStep()) {
      anyStored = true;
      std::int64_t time = q->getColumn(1).getInt64();
      if (time < first || time > last) continue;
      storedByTime[time].push_back(
          {q->getColumn(0).getInt64(), q->getColumn(2).getInt64(), q->getColumn(3).getInt64()});
    }
  }
  bool anyDropped = false;
  {
    auto q = s.statements.get("SELECT 1 FROM dropped_events WHERE parcel_id=? LIMIT 1");
    q->bind(1, static_cast<int64_t>(parcelId));
    anyDropped = q->executeStep();
  }
  MergeCount out;
  // A first answer: the commit assesses what it inserted instead of reading the parcel's
  // events back.
  out.fresh = !anyStored && !anyDropped;
  std::vector<NewEvent> added;
  for (const auto& [time, incoming] : byTime) {
    std::set<std::pair<std::int64_t, std::int64_t>> answer, stored;
    for (const auto& i : incoming) answer.emplace(i.text_id, i.location_id);
    std::vector<std::int64_t> stale;
    if (auto it = storedByTime.find(time); it != storedByTime.end()) {
      for (const auto& row : it->second) {
        std::pair<std::int64_t, std::int64_t> identity{row.text_id, row.location_id};
        if (answer.count(identity))
          stored.insert(identity);
        else
          stale.push_back(row.id);
      }
    }
    for (auto id : stale) {
      auto del = s.statements.get("DELETE FROM events WHERE id=?");
      del->bind(1, static_cast<int64_t>(id));
      del->exec();
      ++out.rewritten;
    }
    for (const auto& i : incoming) {
      if (!stored.emplace(i.text_id, i.location_id).second)
        continue;  // known, or twice in one answer
      if (anyDropped && wasDropped(s, parcelId, time, i.text_id, i.location_id)) continue;
      bool shared = storeText(s, i.text_id, i.event->description);
      added.push_back({i.event, i.text_id, i.location_id, shared});
      if (out.fresh) out.added_events.push_back(i.event);
    }
  }
  insertEvents(s, parcelId, added, now);
  out.added = static_cast<int>(added.size());
  // The count `status` reports, once per transaction rather than by a trigger
  // per event (schema step 12): the trigger was a tenth of a first poll's commit.
  s.counts.add("events", "", out.added);
  return out;
}

void applyCap(State& s, std::int64_t parcelId, std::vector<StoredEvent>& timeline,
              const std::vector<std::pair<std::int64_t, std::int64_t>>& evidence,
              const std::vector<std::int64_t>& since) {
  if (timeline.size() <= s.options.event_cap) return;
  std::set<std::pair<std::int64_t, std::int64_t>> keys(evidence.begin(), evidence.end());
  std::set<std::int64_t> times(since.begin(), since.end());
  std::vector<CapEvent> view;
  view.reserve(timeline.size());
  for (const auto& r : timeline) {
    std::int64_t t = secs(r.event.time);
    view.push_back(
        {r.event.description, r.event.kind, keys.count({t, r.text_id}) > 0 || times.count(t) > 0});
  }
  auto drop = eventsOverCap(view, s.options.event_cap);
  for (auto i : drop) {
    const StoredEvent& r = timeline[i];
    {
      auto del = s.statements.get("DELETE FROM events WHERE id=?");
      del->bind(1, static_cast<int64_t>(r.id));
      del->exec();
    }
    auto keep = s.statements.get(
        "INSERT INTO dropped_events (parcel_id, time, text_id, location_id) VALUES (?,?,?,?) "
        "ON CONFLICT DO NOTHING");
    keep->bind(1, static_cast<int64_t>(parcelId));
    keep->bind(2, static_cast<int64_t>(secs(r.event.time)));
    keep->bind(3, static_cast<int64_t>(r.text_id));
    keep->bind(4, static_cast<int64_t>(r.location_id));
    keep->exec();
  }
  std::vector<bool> gone(timeline.size(), false);
  for (auto i : drop) gone[i] = true;
  std::vector<StoredEvent> kept;
  kept.reserve(timeline.size() - drop.size());
  for (std::size_t i = 0; i < timeline.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(timeline[i]));
  timeline = std::move(kept);
}

std::string evidenceKey(const std::vector<TrackingEvent>& evidence) {
  std::string out = "[";
  for (const auto& e : evidence) {
    if (out.size() > 1) out += ',';
    out +=
        '[' + std::to_string(secs(e.time)) + ',' + std::to_string(contentHash(e.description)) + ']';
  }
  return out + ']';
}

std::vector<std::pair<std::int64_t, std::int64_t>> parseEvidenceKey(const std::string& key) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(key, ec);
  if (ec || !v.is_array()) return out;  // a v6 row the migration could not read: nothing pinned
  for (const auto& pair : v.as_array()) {
    const auto* a = pair.if_array();
    if (a && a->size() == 2 && (*a)[0].is_int64() && (*a)[1].is_int64())
      out.emplace_back((*a)[0].as_int64(), (*a)[1].as_int64());
  }
  return out;
}

}  // namespace pw::store
