#include "store/postgres/poll_commit.h"

#include "common/time_format.h"
#include "model/alert_record.h"
#include "model/model_json.h"
#include "store/event_cap.h"
#include "store/postgres/pg_rows.h"

#include <boost/json.hpp>
#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace pw::pg {

namespace {

using EventKey = std::tuple<std::int64_t, std::string, std::string>;
EventKey keyOf(const TrackingEvent& e) { return {secs(e.time), e.description, e.location}; }

std::string evidenceJson(const Finding& f) {
  boost::json::array a;
  for (const auto& e : f.evidence) a.push_back(eventToJson(e));
  return boost::json::serialize(a);
}

struct StoredEvent {
  std::int64_t id = 0;
  TrackingEvent event;
};

/// Stores the answer's new events and drops the ones the carrier rewrote; returns the merged
/// timeline in the SQLite store's order (time, then storage order).
std::vector<StoredEvent> mergeEvents(pqxx::transaction_base& tx, const CommitRequest& req,
                                     PollOutcome& out) {
  std::vector<StoredEvent> stored;
  for (const auto& row : tx.exec_prepared("pw_events_of", req.parcel_id))
    stored.push_back({row[0].as<std::int64_t>(), readEvent(row, 1)});

  // Every answer carries the full history. A stored event whose time appears in the answer but
  // whose text or place does not was rewritten by the carrier: the new version replaces it.
  // Events absent from the answer altogether are kept, since some carriers trim old history.
  std::set<std::int64_t> answerTimes;
  std::set<EventKey> answerKeys;
  for (const auto& e : req.events) {
    answerTimes.insert(secs(e.time));
    answerKeys.insert(keyOf(e));
  }
  std::vector<std::int64_t> stale;
  std::set<EventKey> kept;
  std::vector<StoredEvent> merged;
  for (auto& s : stored) {
    if (answerTimes.count(secs(s.event.time)) && !answerKeys.count(keyOf(s.event))) {
      stale.push_back(s.id);
      continue;
    }
    kept.insert(keyOf(s.event));
    merged.push_back(std::move(s));
  }
  if (!stale.empty()) tx.exec_prepared("pw_delete_events", bigintArray(stale));
  out.rewritten = static_cast<int>(stale.size());

  std::int64_t now = secs(req.now);
  for (const auto& e : req.events) {
    if (!kept.insert(keyOf(e)).second) continue;  // stored already, or twice in one answer
    auto r =
        tx.exec_prepared("pw_insert_event", req.parcel_id, secs(e.time), e.local_time,
                         e.description, e.location, std::string(toString(e.kind)), e.carrier_status,
                         std::string(toString(e.reason)), std::string(toString(e.signer_type)),
                         e.signer, e.place.province, e.place.city, e.place.district, now);
    if (r.empty()) continue;
    ++out.new_events;
    merged.push_back({r[0][0].as<std::int64_t>(), e});
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return std::tie(a.event.time, a.id) < std::tie(b.event.time, b.id);
  });
  return merged;
}

struct OpenException {
  std::int64_t id = 0;
  std::string evidence;
  std::int64_t since = 0;
  std::string detail;
};

/// Drops events over the cap (eventsOverCap decides which, as on SQLite), remembering their
/// identities. An open exception's evidence (by time and text, as SQLite keeps it) and the event
/// it started at are never dropped.
void applyCap(pqxx::transaction_base& tx, std::vector<StoredEvent>& merged,
              const std::map<std::string, OpenException>& open, std::size_t cap) {
  if (merged.size() <= cap) return;
  std::set<std::int64_t> since;
  std::set<std::pair<std::string, std::string>> evidence;  // (RFC 3339 time, description)
  for (const auto& [kind, ex] : open) {
    since.insert(ex.since);
    boost::system::error_code ec;
    auto parsed = boost::json::parse(ex.evidence, ec);
    if (ec || !parsed.is_array()) continue;
    for (const auto& e : parsed.as_array()) {
      const auto* o = e.if_object();
      if (!o || !o->contains("time") || !o->contains("description")) continue;
      const auto* t = o->at("time").if_string();
      const auto* d = o->at("description").if_string();
      if (t && d) evidence.insert({std::string(*t), std::string(*d)});
    }
  }
  std::vector<store::CapEvent> view;
  view.reserve(merged.size());
  for (const auto& m : merged) {
    bool keep = since.count(secs(m.event.time)) > 0 ||
                evidence.count({formatRfc3339(m.event.time), m.event.description}) > 0;
    view.push_back({m.event.description, m.event.kind, keep});
  }
  auto drop = store::eventsOverCap(view, cap);
  if (drop.empty()) return;
  std::vector<std::int64_t> ids;
  std::vector<bool> gone(merged.size(), false);
  for (auto i : drop) {
    ids.push_back(merged[i].id);
    gone[i] = true;
  }
  tx.exec_prepared("pw_drop_events", bigintArray(ids));
  std::vector<StoredEvent> kept;
  kept.reserve(merged.size() - drop.size());
  for (std::size_t i = 0; i < merged.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(merged[i]));
  merged = std::move(kept);
}

}  // namespace

CommitResult commitOne(pqxx::transaction_base& tx, const CommitRequest& req, std::size_t eventCap) {
  // The parcel's row first: commits of one parcel (a poll and a push, two nodes) take turns, so
  // each assesses a timeline that includes the other's events.
  auto locked = tx.exec_prepared("pw_lock_parcel", req.parcel_id);
  if (locked.empty())
    throw ErrorException(
        makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(req.parcel_id)));
  Parcel parcel = readParcel(locked[0]);

  CommitResult result;
  PollOutcome& out = result.outcome;
  out.parcel = std::make_shared<const Parcel>(parcel);
  std::vector<StoredEvent> stored = mergeEvents(tx, req, out);
  std::map<std::string, OpenException> open;
  for (const auto& row : tx.exec_prepared("pw_open_exceptions", req.parcel_id))
    open[row[0].c_str()] = {row[1].as<std::int64_t>(), row[2].c_str(), row[3].as<std::int64_t>(),
                            row[4].c_str()};
  applyCap(tx, stored, open, eventCap);
  Timeline merged;
  merged.reserve(stored.size());
  for (auto& m : stored) merged.push_back(std::move(m.event));
  ClaimFacts claims;
  claims.claimed_not_received =
      !tx.exec_params("SELECT 1 FROM claims WHERE parcel_id = $1 LIMIT 1", req.parcel_id).empty();
  if (parcel.buyer_id)
    claims.buyer_claims =
        tx.exec_params1("SELECT count(*) FROM claims WHERE buyer_id = $1 AND created_at >= $2",
                        *parcel.buyer_id, secs(req.claims_since))[0]
            .as<int>();
  Assessment assessment = req.assess(parcel, merged, claims);
  out.stage = assessment.stage;
  std::int64_t now = secs(req.now);

  // Reconcile: open exceptions that no longer hold are resolved; findings without an open
  // exception of their kind open one and raise its task.
  std::vector<boost::json::object> raisedAlerts, updatedAlerts;
  std::set<std::string> holding;
  for (const auto& issue : assessment.issues) {
    std::string kind(toString(issue.finding.kind));
    holding.insert(kind);
    std::string evidence = evidenceJson(issue.finding);
    if (auto it = open.find(kind); it != open.end()) {
      // Elapsed time grows on every poll; only new evidence is news. A reassessment rewrites
      // the row only when its evidence or detail changed (as on SQLite, store_commit.cpp).
      bool news = evidence != it->second.evidence;
      if (!req.answered && !news && issue.finding.detail == it->second.detail) continue;
      if (news) {
        out.updated.push_back({it->second.id, issue.finding.kind, issue.finding.detail});
        updatedAlerts.push_back(exceptionUpdatedRecord(parcel.tracking_number, parcel.carrier,
                                                       it->second.id, issue.finding.kind,
                                                       issue.finding.detail, req.now));
      }
      tx.exec_prepared("pw_update_exception", it->second.id,
                       static_cast<std::int64_t>(issue.finding.elapsed.count()),
                       issue.finding.detail, evidence, now);
      continue;
    }
    // The partial unique index refuses a second open exception of this kind for the parcel;
    // with the parcel's row locked above it never has to, but it is what the guarantee rests on.
    auto row = tx.exec_prepared1("pw_raise", req.parcel_id, kind, secs(issue.finding.since),
                                 static_cast<std::int64_t>(issue.finding.threshold.count()),
                                 static_cast<std::int64_t>(issue.finding.elapsed.count()),
                                 issue.finding.detail, evidence, now,
                                 std::string(toString(issue.suggestion.remedy)),
                                 issue.suggestion.reason, issue.message.zh_cn, issue.message.en);
    NotificationTask t;
    t.id = row[0].as<std::int64_t>();
    t.exception_id = row[1].as<std::int64_t>();
    t.tracking_number = parcel.tracking_number;
    t.carrier = parcel.carrier;
    t.kind = issue.finding.kind;
    t.suggestion = issue.suggestion;
    t.message = issue.message;
    t.created_at = req.now;
    t.detail = issue.finding.detail;
    raisedAlerts.push_back(exceptionRaisedRecord(t, req.now));
    raisedAlerts.push_back(taskRaisedRecord(t, req.now));
    out.raised.push_back(std::move(t));
  }
  std::vector<boost::json::object> resolvedAlerts, closedAlerts;
  for (const auto& [kind, ex] : open) {
    if (holding.count(kind)) continue;
    auto k = exceptionKindFromString(kind).value_or(ExceptionKind::problem);
    // A task nobody acted on is closed with its exception; one an agent acknowledged stays
    // theirs to finish.
    for (const auto& row : tx.exec_prepared("pw_resolve", ex.id, now)) {
      out.closed_tasks.push_back({row[0].as<std::int64_t>(), k});
      closedAlerts.push_back(taskClosedRecord(parcel.tracking_number, parcel.carrier,
                                              row[0].as<std::int64_t>(), k, req.now));
    }
    out.resolved.push_back(k);
    out.resolved_ids.push_back(ex.id);
    resolvedAlerts.push_back(
        exceptionResolvedRecord(parcel.tracking_number, parcel.carrier, ex.id, k, req.now));
  }

  // A final parcel leaves the queue; otherwise the caller's next time, or the stored one.
  std::optional<std::int64_t> next =
      isFinal(assessment.stage) ? std::nullopt
                                : secs(req.plan_next ? req.plan_next(out) : req.next_poll_at);
  std::optional<std::int64_t> queriedAt;
  if (req.query) queriedAt = secs(req.query->at);
  if (!req.answered) {
    // A reassessment: no answer came, so the last poll and the carrier's state stand; an
    // unchanged stage is not written.
    if (assessment.stage != parcel.stage || isFinal(assessment.stage))
      tx.exec_prepared("pw_reassessed_parcel", req.parcel_id,
                       std::string(toString(assessment.stage)), isFinal(assessment.stage));
  } else {
    tx.exec_prepared("pw_finish_parcel", req.parcel_id, std::string(toString(assessment.stage)),
                     req.carrier_state, now, isFinal(assessment.stage), next, queriedAt, req.node,
                     req.query ? req.query->tokens : 0.0);
  }

  // The order the poll pipeline writes its alert lines in.
  for (auto* part : {&raisedAlerts, &updatedAlerts, &resolvedAlerts, &closedAlerts})
    for (auto& a : *part) result.alerts.push_back(std::move(a));
  return result;
}

}  // namespace pw::pg
