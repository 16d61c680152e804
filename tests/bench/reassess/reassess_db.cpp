#include "reassess/reassess_db.h"

#include "common/time_format.h"
#include "store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace pw::bench {

using namespace std::chrono;

namespace {

// Parcels that go through the Store API; the rest are copies of them.
constexpr std::int64_t kTemplate = 2000;

const char* kProvinces[] = {"浙江省", "广东省", "江苏省", "山东省", "河南省", "四川省"};
const char* kCities[] = {"杭州市", "广州市", "苏州市", "济南市", "郑州市", "成都市",
                         "宁波市", "深圳市", "南京市", "青岛市", "洛阳市", "绵阳市"};
const char* kDistricts[] = {"西湖区", "上城区", "滨江区", "天河区", "南山区", "福田区"};

struct Place3 {
  std::string province, city, district;
};

Place3 placeOf(std::uint64_t n) {
  return {kProvinces[n % 6], kCities[n % 12], kDistricts[(n / 12) % 6]};
}

TrackingEvent scan(Timestamp t, EventKind kind, std::string text, const Place3& p) {
  TrackingEvent e;
  e.time = t;
  e.local_time = formatLocalDateTime(t, TimeZone::shanghai());
  e.description = std::move(text);
  e.kind = kind;
  e.place = {p.province, p.city, p.district};
  if (kind == EventKind::signed_) e.signer_type = SignerType::self;
  return e;
}

// What a parcel's history looks like, by template index (in a hundred): a
// quarter delivered, a fifth stalled for days, one in a hundred on each side
// of the threshold the daemon moves (what a reassessment changes).
enum class Shape { delivered, moving, stalled, stalls_at_48h, clears_at_48h, out_for_delivery };

Shape shapeOf(std::int64_t i) {
  int s = static_cast<int>(i % 100);
  if (s < 25) return Shape::delivered;
  if (s < 69) return Shape::moving;
  if (s < 89) return Shape::stalled;
  if (s < 90) return Shape::stalls_at_48h;
  if (s < 91) return Shape::clears_at_48h;
  return Shape::out_for_delivery;
}

/// Scans through the network, the last one `lastAgo` before now.
std::vector<TrackingEvent> history(std::mt19937_64& rng, Shape shape, Timestamp now,
                                   const Place3& to) {
  Place3 from = placeOf(rng());
  Seconds lastAgo{0};
  switch (shape) {
    case Shape::delivered:
      lastAgo = hours(2 + rng() % 100);
      break;
    case Shape::moving:
      lastAgo = hours(1 + rng() % 30);
      break;
    case Shape::stalled:
      lastAgo = hours(96 + rng() % 120);
      break;
    case Shape::stalls_at_48h:
      lastAgo = hours(50 + rng() % 20);
      break;
    case Shape::clears_at_48h:
      lastAgo = hours(32 + rng() % 14);
      break;
    case Shape::out_for_delivery:
      lastAgo = hours(2 + rng() % 10);
      break;
  }
  int n = shape == Shape::delivered || shape == Shape::out_for_delivery ? 6 : 4 + rng() % 3;
  std::vector<Seconds> gaps;
  for (int k = 1; k < n; ++k) gaps.push_back(hours(4 + rng() % 10));
  Timestamp t = now - lastAgo;
  for (auto g : gaps) t -= g;
  std::string f = from.city, d = to.city;
  std::vector<TrackingEvent> out;
  auto next = [&](EventKind kind, std::string text, const Place3& p) {
    out.push_back(scan(t, kind, std::move(text), p));
    if (out.size() <= gaps.size()) t += gaps[out.size() - 1];
  };
  next(EventKind::picked_up, "【" + f + "】" + from.district + "公司 已揽收", from);
  const char* middle[] = {"快件已到达 转运中心", "快件已从 转运中心 发出", "快件已离开 转运中心"};
  for (int k = 1; k < n - 2; ++k)
    next(k % 2 ? EventKind::arrived_hub : EventKind::departed_hub,
         "【" + (k < n / 2 ? f : d) + "】" + middle[k % 3], k < n / 2 ? from : to);
  if (shape == Shape::delivered) {
    next(EventKind::out_for_delivery,
         "【" + d + "】" + to.district + "网点 派件员 王伟 电话 138" +
             std::to_string(rng() % 100000) + " 正在为您派件",
         to);
    next(EventKind::signed_, "【" + d + "】快件已签收，签收人：本人", to);
  } else if (shape == Shape::out_for_delivery) {
    next(EventKind::arrived_delivery_station, "【" + d + "】快件已到达 " + to.district + "网点",
         to);
    next(EventKind::out_for_delivery,
         "【" + d + "】" + to.district + "网点 派件员 李娜 电话 139" +
             std::to_string(rng() % 100000) + " 正在为您派件",
         to);
  } else {
    next(EventKind::departed_hub, "【" + d + "】快件离开 转运中心 发往 " + to.district + "网点",
         to);
    next(EventKind::arrived_delivery_station, "【" + d + "】快件已到达 " + to.district + "网点",
         to);
  }
  return out;
}

void buildTemplate(const std::filesystem::path& file, const AssessmentRules& rules, Timestamp now) {
  auto store = SqliteStore::open(file);
  if (!store) throw std::runtime_error("open " + file.string() + ": " + store.error().message);
  std::mt19937_64 rng(11);
  AssessmentRules late = rules, early = rules;
  late.detection.stalled_after = hours(72);
  early.detection.stalled_after = hours(30);
  std::vector<CommitRequest> batch;
  for (std::int64_t i = 0; i < kTemplate; ++i) {
    Place3 to = placeOf(static_cast<std::uint64_t>(i) * 7);
    Parcel p;
    p.tracking_number = "YT" + std::to_string(7000000000000LL + i + 1);
    p.carrier = "yuantong";
    p.destination = {to.province, to.city, to.district,
                     "文三路 " + std::to_string(i % 900) + " 号"};
    p.shipped_at = now - hours(24 * 8);
    p.order_value = 99.0 + static_cast<double>(i % 500);
    p.buyer_id = "b" + std::to_string(i + 1);  // copies renumber it with the parcel id
    auto added = (*store)->addParcel(p, now - hours(24 * 8));
    if (!added) throw std::runtime_error("addParcel: " + added.error().message);
    if (added->id != i + 1) throw std::runtime_error("template ids must be 1..N");
    if (i % 97 == 0) (void)(*store)->addClaim(added->id, "not received", now - hours(30));
    Shape shape = shapeOf(i);
    const AssessmentRules& r = shape == Shape::clears_at_48h ? early : late;
    CommitRequest c;
    c.parcel_id = added->id;
    c.events = history(rng, shape, now, to);
    c.carrier_state = shape == Shape::delivered ? "3" : "0";
    c.now = now;
    c.assess = [&r, now, claimed = i % 97 == 0](const Parcel& parcel, const Timeline& tl,
                                                const ClaimFacts&) {
      AssessContext context;
      context.facts.number_format_ok = true;
      context.buyer_claims_not_received = claimed;
      context.buyer_claims = claimed ? 1 : 0;
      return assess(parcel, tl, context, r, now);
    };
    // Nothing falls due while the bench runs: the daemon only reassesses.
    c.next_poll_at = now + hours(24 * 30);
    batch.push_back(std::move(c));
    if (batch.size() == 200 || i + 1 == kTemplate) {
      auto done = (*store)->commitBatch(std::move(batch));
      if (!done) throw std::runtime_error("commitBatch: " + done.error().message);
      for (const auto& one : *done)
        if (!one) throw std::runtime_error("commit: " + one.error().message);
      batch.clear();
    }
  }
}

std::vector<std::string> columnsOf(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> out;
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?)");
  q.bind(1, table);
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::int64_t scalar(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  q.executeStep();
  return q.getColumn(0).isNull() ? 0 : q.getColumn(0).getInt64();
}

/// Copies the rows of `table` whose parcel is among the first `m` onto
/// parcels `base`+1.., with the expressions in `shifted` for some columns.
void copyRows(SQLite::Database& db, const std::string& table, const std::string& parcelColumn,
              std::int64_t m, const std::map<std::string, std::string>& shifted) {
  std::string cols, exprs;
  for (const auto& c : columnsOf(db, table)) {
    if (!cols.empty()) cols += ", ", exprs += ", ";
    cols += c;
    auto it = shifted.find(c);
    exprs += it == shifted.end() ? c : it->second;
  }
  db.exec("INSERT INTO " + table + " (" + cols + ") SELECT " + exprs + " FROM " + table +
          " WHERE " + parcelColumn + " <= " + std::to_string(m) + " ORDER BY id");
}

void copyUntil(const std::filesystem::path& file, std::int64_t target, Timestamp now) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=OFF");
  db.exec("PRAGMA cache_size=-262144");
  SQLite::Transaction tx(db);
  // The template's alert lines were written: the daemon must not replay
  // them at start, nor deliver its outbox.
  auto at = std::to_string(now.time_since_epoch().count());
  db.exec("UPDATE exceptions SET raised_alerted_at=" + at +
          ", resolved_alerted_at = CASE WHEN resolved_at IS NULL THEN NULL ELSE " + at + " END");
  db.exec("UPDATE tasks SET alerted_at=" + at);
  db.exec("DELETE FROM outbox");
  std::int64_t have = scalar(db, "SELECT MAX(id) FROM parcels");
  while (have < target) {
    std::int64_t m = std::min(have, target - have);
    auto n = std::to_string(have);
    auto ev = std::to_string(scalar(db, "SELECT MAX(id) FROM events"));
    auto ex = std::to_string(scalar(db, "SELECT MAX(id) FROM exceptions"));
    auto tk = std::to_string(scalar(db, "SELECT MAX(id) FROM tasks"));
    auto cl = std::to_string(scalar(db, "SELECT MAX(id) FROM claims"));
    copyRows(db, "parcels", "id", m,
             {{"id", "id + " + n},
              {"tracking_number", "'YT' || (7000000000000 + id + " + n + ")"},
              {"buyer_id", "'b' || (id + " + n + ")"}});
    copyRows(db, "events", "parcel_id", m,
             {{"id", "id + " + ev}, {"parcel_id", "parcel_id + " + n}});
    copyRows(db, "exceptions", "parcel_id", m,
             {{"id", "id + " + ex}, {"parcel_id", "parcel_id + " + n}});
    copyRows(db, "tasks", "parcel_id", m,
             {{"id", "id + " + tk},
              {"parcel_id", "parcel_id + " + n},
              {"exception_id", "exception_id + " + ex}});
    copyRows(db, "claims", "parcel_id", m,
             {{"id", "id + " + cl},
              {"parcel_id", "parcel_id + " + n},
              {"buyer_id", "'b' || (parcel_id + " + n + ")"}});
    have += m;
  }
  tx.commit();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace

ReassessDbFigures buildReassessDb(const std::filesystem::path& file, std::int64_t parcels,
                                  const AssessmentRules& rules, Timestamp now) {
  auto t0 = steady_clock::now();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  buildTemplate(file, rules, now);
  copyUntil(file, parcels, now);
  ReassessDbFigures f;
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  f.parcels = scalar(db, "SELECT COUNT(*) FROM parcels");
  f.active = scalar(db, "SELECT COUNT(*) FROM parcels WHERE stage NOT IN ('delivered','returned')");
  f.events = scalar(db, "SELECT n FROM counts WHERE what='events'");
  f.open_exceptions = scalar(db, "SELECT COUNT(*) FROM exceptions WHERE resolved_at IS NULL");
  f.seconds = duration<double>(steady_clock::now() - t0).count();
  return f;
}

}  // namespace pw::bench
