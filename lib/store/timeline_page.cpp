#include "store/timeline_page.h"

#include "store/parcel_row.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <string>
#include <unordered_map>

namespace pw::store {

namespace {

std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }

constexpr std::size_t kTypicalEvents = 8;

// Reads the rows of parcels lo..hi into the page; rows of parcels in that
// range but not in the page (delivered ones, when the page is the active
// parcels) are skipped.
class RangeReader {
 public:
  RangeReader(State& s, const std::vector<std::int64_t>& ids, std::vector<PageParcel>& page,
              LocalTimes localTimes)
      : s_(s), ids_(ids), page_(page), local_times_(localTimes) {}

  void read(std::int64_t lo, std::int64_t hi, Timestamp claimsSince) {
    parcels(lo, hi);
    events(lo, hi);
    exceptions(lo, hi);
    claims(lo, hi, claimsSince);
  }

 private:
  PageParcel* at(std::int64_t id) {
    auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    if (it == ids_.end() || *it != id) return nullptr;
    return &page_[static_cast<std::size_t>(it - ids_.begin())];
  }

  void parcels(std::int64_t lo, std::int64_t hi) {
    auto q = s_.raw.get(std::string("SELECT ") + kParcelColumns +
                        " FROM parcels WHERE id BETWEEN ? AND ?");
    q->bind(1, lo);
    q->bind(2, hi);
    while (q->step())
      if (auto* p = at(q->int64(0))) p->parcel = readParcel(*q);
  }

  // In the index's order, by parcel and time: no sort in SQLite (see
  // inArrivalOrder for equal times).
  void events(std::int64_t lo, std::int64_t hi) {
    auto q = s_.raw.get(std::string("SELECT e.parcel_id, ") + kStoredEventColumns +
                        " FROM events e WHERE e.parcel_id BETWEEN ? AND ? "
                        "ORDER BY e.parcel_id, e.time");
    q->bind(1, lo);
    q->bind(2, hi);
    std::int64_t last = 0;
    PageParcel* p = nullptr;
    const bool pending = local_times_ == LocalTimes::when_needed;
    while (q->step()) {
      std::int64_t id = q->int64(0);
      if (id != last) {
        if (p) inArrivalOrder(*p);
        p = at(id), last = id;
        // Most timelines are short: one allocation, not four growing ones
        // that each move every event's strings.
        if (p) p->timeline.reserve(kTypicalEvents);
        ids_of_events_.clear();
      }
      if (!p) continue;
      EventKeys keys;
      bool inChinaTime = readEvent(s_, *q, 1, local_times_, keys, p->timeline.emplace_back());
      ids_of_events_.push_back(keys.id);
      if (pending) p->china_time_pending.push_back(inChinaTime);
    }
    if (p) inArrivalOrder(*p);
  }

  // Equal times in the order they came (by id), as loadTimeline has them;
  // the index gives them by time, so nearly every timeline is in order.
  void inArrivalOrder(PageParcel& p) {
    const auto& ids = ids_of_events_;
    auto before = [&](std::size_t a, std::size_t b) {
      return arrivedBefore(p.timeline[a].time, ids[a], p.timeline[b].time, ids[b]);
    };
    bool inOrder = true;
    for (std::size_t i = 1; inOrder && i < p.timeline.size(); ++i) inOrder = !before(i, i - 1);
    if (inOrder) return;
    std::vector<std::size_t> order(p.timeline.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), before);
    Timeline sorted;
    sorted.reserve(order.size());
    std::vector<bool> pending;
    for (auto i : order) {
      sorted.push_back(std::move(p.timeline[i]));
      if (!p.china_time_pending.empty()) pending.push_back(p.china_time_pending[i]);
    }
    p.timeline = std::move(sorted);
    p.china_time_pending = std::move(pending);
  }

  void exceptions(std::int64_t lo, std::int64_t hi) {
    auto q = s_.statements.get(
        "SELECT parcel_id, kind, id, evidence, detail, since FROM exceptions "
        "WHERE parcel_id BETWEEN ? AND ? AND resolved_at IS NULL");
    q->bind(1, static_cast<int64_t>(lo));
    q->bind(2, static_cast<int64_t>(hi));
    while (q->executeStep())
      if (auto* p = at(q->getColumn(0).getInt64()))
        p->open[q->getColumn(1).getString()] = {
            q->getColumn(2).getInt64(), q->getColumn(3).getString(), q->getColumn(4).getString(),
            q->getColumn(5).getInt64()};
  }

  // As hasClaim and buyerClaims answer them, for every parcel of the range.
  void claims(std::int64_t lo, std::int64_t hi, Timestamp since) {
    {
      auto q = s_.statements.get("SELECT parcel_id FROM claims WHERE parcel_id BETWEEN ? AND ?");
      q->bind(1, static_cast<int64_t>(lo));
      q->bind(2, static_cast<int64_t>(hi));
      while (q->executeStep())
        if (auto* p = at(q->getColumn(0).getInt64())) p->claims.claimed_not_received = true;
    }
    std::unordered_map<std::string, int> byBuyer;
    auto q = s_.statements.get(
        "SELECT buyer_id, COUNT(*) FROM claims WHERE created_at >= ? AND buyer_id IN "
        "(SELECT buyer_id FROM parcels WHERE id BETWEEN ? AND ? AND buyer_id IS NOT NULL) "
        "GROUP BY buyer_id");
    q->bind(1, static_cast<int64_t>(secs(since)));
    q->bind(2, static_cast<int64_t>(lo));
    q->bind(3, static_cast<int64_t>(hi));
    while (q->executeStep()) byBuyer[q->getColumn(0).getString()] = q->getColumn(1).getInt();
    if (byBuyer.empty()) return;
    for (auto& p : page_)
      if (p.parcel && p.parcel->buyer_id && p.parcel->id >= lo && p.parcel->id <= hi)
        if (auto it = byBuyer.find(*p.parcel->buyer_id); it != byBuyer.end())
          p.claims.buyer_claims = it->second;
  }

  State& s_;
  const std::vector<std::int64_t>& ids_;
  std::vector<PageParcel>& page_;
  LocalTimes local_times_;
  std::vector<std::int64_t> ids_of_events_;  // of the parcel being read
};

}  // namespace

std::vector<PageParcel> readTimelinePage(State& s, const std::vector<std::int64_t>& ids,
                                         Timestamp claimsSince, LocalTimes localTimes) {
  std::vector<PageParcel> page(ids.size());
  if (ids.empty()) return page;
  RangeReader reader(s, ids, page, localTimes);
  // A page of consecutive active parcels is read as one range; a sparse one
  // (the parcels with an open exception of one kind) parcel by parcel, so
  // that the rows of the parcels between are not read.
  auto span = ids.back() - ids.front() + 1;
  if (span <= 4 * static_cast<std::int64_t>(ids.size()) + 64) {
    reader.read(ids.front(), ids.back(), claimsSince);
  } else {
    for (auto id : ids) reader.read(id, id, claimsSince);
  }
  return page;
}

}  // namespace pw::store
