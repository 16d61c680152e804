// The hot path: a poll or push result merged, assessed and reconciled with
// its exceptions and tasks, several results to a transaction.
#include "store/sqlite_store.h"

#include "common/log.h"
#include "model/alert_record.h"
#include "store/outbox_write.h"
#include "store/reconcile.h"
#include "store/store_state.h"
#include "store/stored_events.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace pw {
using store::State;

namespace {

std::int64_t secs(Timestamp t) { return t.time_since_epoch().count(); }

// As SqliteStore::hasClaim and buyerClaims answer them, inside the commit.
ClaimFacts readClaims(State& s, const Parcel& parcel, Timestamp since) {
  ClaimFacts facts;
  {
    auto q = s.statements.get("SELECT 1 FROM claims WHERE parcel_id=? LIMIT 1");
    q->bind(1, static_cast<int64_t>(parcel.id));
    facts.claimed_not_received = q->executeStep();
  }
  if (parcel.buyer_id) {
    auto q = s.statements.get("SELECT COUNT(*) FROM claims WHERE buyer_id=? AND created_at>=?");
    q->bind(1, *parcel.buyer_id);
    q->bind(2, static_cast<int64_t>(secs(since)));
    q->executeStep();
    facts.buyer_claims = q->getColumn(0).getInt();
  }
  return facts;
}

NotificationTask raise(State& s, const Parcel& parcel, const Issue& issue, Timestamp now) {
  std::string kind(toString(issue.finding.kind));
  std::int64_t exceptionId = 0;
  {
    // OR FAIL here and below: no statement journal (see insertEventsSql, stored_events.cpp).
    auto ex = s.statements.get(
        "INSERT OR FAIL INTO exceptions (parcel_id, kind, since, threshold, elapsed, detail, "
        "evidence, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?8)");
    ex->bind(1, static_cast<int64_t>(parcel.id));
    ex->bind(2, kind);
    ex->bind(3, static_cast<int64_t>(secs(issue.finding.since)));
    ex->bind(4, static_cast<int64_t>(issue.finding.threshold.count()));
    ex->bind(5, static_cast<int64_t>(issue.finding.elapsed.count()));
    ex->bind(6, issue.finding.detail);
    ex->bind(7, store::evidenceKey(issue.finding.evidence));
    ex->bind(8, static_cast<int64_t>(secs(now)));
    ex->exec();
    // The connection's last rowid rather than RETURNING id, whose temporary table for the
    // returned row cost as much as the insert with its six indexes (bench_first_poll).
    exceptionId = s.db.getLastInsertRowid();
    s.counts.add("open", kind, 1);  // schema step 13: no trigger
  }
  std::optional<store::EncodedMessage> encoded;
  if (issue.message_source) encoded = s.messages.encode(*issue.message_source, issue.message);
  auto task = s.statements.get(
      "INSERT OR FAIL INTO tasks (exception_id, parcel_id, kind, remedy, reason_id, template_id, "
      "facts, message_zh, message_en, detail, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?11)");
  task->bind(1, static_cast<int64_t>(exceptionId));
  task->bind(2, static_cast<int64_t>(parcel.id));
  task->bind(3, kind);
  task->bind(4, std::string(toString(issue.suggestion.remedy)));
  task->bind(5, static_cast<int64_t>(s.dict.idOf(issue.suggestion.reason)));
  if (encoded) {
    task->bind(6, static_cast<int64_t>(s.dict.idOf(encoded->templates)));
    task->bind(7, encoded->facts);
    task->bind(8);
    task->bind(9);
  } else {
    task->bind(6);
    task->bind(7);
    task->bind(8, issue.message.zh_cn);
    task->bind(9, issue.message.en);
  }
  task->bind(10, issue.finding.detail);
  task->bind(11, static_cast<int64_t>(secs(now)));
  task->exec();
  s.counts.add("task", toString(TaskState::open), 1);  // the column's default

  NotificationTask t;
  t.id = s.db.getLastInsertRowid();
  t.exception_id = exceptionId;
  t.tracking_number = parcel.tracking_number;
  t.carrier = parcel.carrier;
  t.kind = issue.finding.kind;
  t.suggestion = issue.suggestion;
  t.message = issue.message;
  t.created_at = now;
  t.detail = issue.finding.detail;
  return t;
}

void resolve(State& s, std::int64_t exceptionId, ExceptionKind kind, Timestamp now,
             PollOutcome& out) {
  {
    auto res = s.statements.get("UPDATE exceptions SET resolved_at=?1, updated_at=?1 WHERE id=?2");
    res->bind(1, static_cast<int64_t>(secs(now)));
    res->bind(2, static_cast<int64_t>(exceptionId));
    res->exec();
  }
  // A task nobody acted on is closed with its exception; one an agent
  // acknowledged stays theirs to finish.
  // Read, then updated by id: a RETURNING clause has SQLite build a temporary table for its
  // rows on every run, which was half of what inserting an exception cost the writer.
  std::int64_t taskId = 0;
  {
    auto open = s.statements.get("SELECT id FROM tasks WHERE exception_id=? AND state='open'");
    open->bind(1, static_cast<int64_t>(exceptionId));
    if (open->executeStep()) taskId = open->getColumn(0).getInt64();
  }
  if (taskId != 0) {
    auto close = s.statements.get("UPDATE tasks SET state='done', updated_at=? WHERE id=?");
    close->bind(1, static_cast<int64_t>(secs(now)));
    close->bind(2, static_cast<int64_t>(taskId));
    close->exec();
    out.closed_tasks.push_back({taskId, kind});
  }
  out.resolved.push_back(kind);
  out.resolved_ids.push_back(exceptionId);
}

// `parcel` is the row as this transaction read it, or as a screen read it that no write
// changed since (writtenSince): its stage is the one the row holds, whose count moves.
void updateParcel(State& s, const CommitRequest& r, const Parcel& parcel, const PollOutcome& out) {
  const std::int64_t id = parcel.id;
  ParcelStage stage = out.stage;
  auto counted = [&](int changed) {
    if (changed == 0 || parcel.stage == stage) return;
    s.counts.add("stage", toString(parcel.stage), -1);  // schema step 13: no trigger
    s.counts.add("stage", toString(stage), 1);
  };
  std::optional<Timestamp> next = r.plan_next ? r.plan_next(out) : r.next_poll_at;
  if (!r.answered) {
    // Only what differs is written: a final parcel reassessed again (by
    // kind, by number) is usually unscheduled already.
    auto up = s.statements.get(
        "UPDATE parcels SET stage=:stage, "
        "next_poll_at = CASE WHEN :final THEN NULL ELSE next_poll_at END WHERE id=:id "
        "AND (stage <> :stage OR (:final AND next_poll_at IS NOT NULL))");
    up->bind(":stage", std::string(toString(stage)));
    up->bind(":final", isFinal(stage) ? 1 : 0);
    up->bind(":id", static_cast<int64_t>(id));
    counted(up->exec());
    return;
  }
  auto up = s.statements.get(
      "UPDATE OR FAIL parcels SET stage=:stage, carrier_state=:state, last_polled_at=:now, "
      "last_error=NULL, poll_failures=0, "
      "next_poll_at = CASE WHEN :final THEN NULL WHEN :has_next THEN :next ELSE next_poll_at END, "
      "last_query_at = CASE WHEN :has_query THEN :query_at ELSE last_query_at END, "
      "quota_tokens = CASE WHEN :has_query THEN :tokens ELSE quota_tokens END, "
      "quota_at = CASE WHEN :has_query THEN :query_at ELSE quota_at END "
      "WHERE id=:id");
  up->bind(":stage", std::string(toString(stage)));
  up->bind(":state", r.carrier_state);
  up->bind(":now", static_cast<int64_t>(secs(r.now)));
  up->bind(":final", isFinal(stage) ? 1 : 0);
  up->bind(":has_next", next ? 1 : 0);
  up->bind(":next", static_cast<int64_t>(next ? secs(*next) : 0));
  up->bind(":has_query", r.query ? 1 : 0);
  up->bind(":query_at", static_cast<int64_t>(r.query ? secs(r.query->at) : 0));
  up->bind(":tokens", r.query ? r.query->tokens : 0.0);
  up->bind(":id", static_cast<int64_t>(id));
  counted(up->exec());
}

// The outbox gets the alert events in the order the alert log writes them
// (AlertEmitter::announce), inside this request's savepoint: they commit or
// roll back with the change they report.
// The lines are handed to the emitter as written (PollOutcome::alert_lines).
void writeAlerts(State& s, const Parcel& parcel, PollOutcome& out, Timestamp now) {
  const std::string& tn = parcel.tracking_number;
  auto& lines = out.alert_lines;
  lines.clear();
  for (const auto& task : out.raised) {
    lines.push_back(store::writeRaiseLine(s, now, "exception_raised", task));
    lines.push_back(store::writeRaiseLine(s, now, "task_raised", task));
  }
  for (const auto& u : out.updated)
    lines.push_back(store::writeOutbox(
        s, now, exceptionUpdatedRecord(tn, parcel.carrier, u.exception_id, u.kind, u.detail, now)));
  for (std::size_t i = 0; i < out.resolved.size(); ++i)
    lines.push_back(store::writeOutbox(
        s, now,
        exceptionResolvedRecord(tn, parcel.carrier, out.resolved_ids[i], out.resolved[i], now)));
  for (const auto& c : out.closed_tasks)
    lines.push_back(
        store::writeOutbox(s, now, taskClosedRecord(tn, parcel.carrier, c.task_id, c.kind, now)));
}

}  // namespace

namespace store {

OpenExceptions openExceptions(State& s, std::int64_t parcelId) {
  auto q = s.statements.get(
      "SELECT kind, id, evidence, detail, since FROM exceptions "
      "WHERE parcel_id=? AND resolved_at IS NULL");
  q->bind(1, static_cast<int64_t>(parcelId));
  OpenExceptions out;
  while (q->executeStep())
    out[q->getColumn(0).getString()] = {q->getColumn(1).getInt64(), q->getColumn(2).getString(),
                                        q->getColumn(3).getString(), q->getColumn(4).getInt64()};
  return out;
}

// Open exceptions that no longer hold are resolved; findings without an open
// exception of their kind open one and raise its task. A poll rewrites every
// exception that still holds, so its elapsed time follows the polls. A
// reassessment (no answer came) rewrites one only when its evidence or its
// detail changed: a run over a million parcels where nothing changed writes
// nothing, and what `exceptions` shows stays right where it matters (the
// detail says how long it has held, to the hour; elapsed and updated_at are
// then as of the last poll or the last reassessment that changed something).
Reconciliation reconcile(const Parcel& stored, const OpenExceptions& open,
                         const Assessment& assessment, bool answered) {
  Reconciliation plan;
  std::vector<const std::string*> holding;
  for (const auto& issue : assessment.issues) {
    auto it = open.find(std::string(toString(issue.finding.kind)));
    if (it == open.end()) {
      plan.raise.push_back(&issue);
      continue;
    }
    holding.push_back(&it->first);
    std::string evidence = evidenceKey(issue.finding.evidence);
    // Elapsed time grows on every poll; only new evidence is news.
    bool news = evidence != it->second.evidence;
    if (answered || news || issue.finding.detail != it->second.detail)
      plan.refresh.push_back({it->second.id, &issue, std::move(evidence), news});
  }
  for (const auto& [kind, e] : open)
    if (std::find_if(holding.begin(), holding.end(), [&](auto* k) { return *k == kind; }) ==
        holding.end())
      plan.resolve.emplace_back(e.id,
                                exceptionKindFromString(kind).value_or(ExceptionKind::problem));
  plan.parcel = answered || assessment.stage != stored.stage || isFinal(assessment.stage);
  return plan;
}

ExceptionRefresh refreshRow(const Reconciliation::Refresh& r) {
  const Finding& f = r.issue->finding;
  return {r.exception_id, static_cast<std::int64_t>(f.elapsed.count()), f.detail, r.evidence};
}

void writeRefresh(State& s, const ExceptionRefresh& row, Timestamp now) {
  auto up = s.statements.get(
      "UPDATE exceptions SET elapsed=?, detail=?, evidence=?, updated_at=? WHERE id=?");
  up->bind(1, static_cast<int64_t>(row.elapsed));
  up->bind(2, row.detail);
  up->bind(3, row.evidence);
  up->bind(4, static_cast<int64_t>(secs(now)));
  up->bind(5, static_cast<int64_t>(row.exception_id));
  up->exec();
}

void writeReconciliation(State& s, const CommitRequest& r, const Parcel& parcel,
                         const Reconciliation& plan, PollOutcome& out) {
  // Raises and refreshes in the assessment's order, as the rows were always written.
  auto raise = plan.raise.begin();
  auto refresh = plan.refresh.begin();
  while (raise != plan.raise.end() || refresh != plan.refresh.end()) {
    bool raiseFirst =
        refresh == plan.refresh.end() || (raise != plan.raise.end() && *raise < refresh->issue);
    if (raiseFirst) {
      out.raised.push_back(pw::raise(s, parcel, **raise, r.now));
      ++raise;
      continue;
    }
    const Finding& f = refresh->issue->finding;
    if (refresh->news) out.updated.push_back({refresh->exception_id, f.kind, f.detail});
    writeRefresh(s, refreshRow(*refresh), r.now);
    ++refresh;
  }
  for (const auto& [id, kind] : plan.resolve) pw::resolve(s, id, kind, r.now, out);
  if (plan.parcel) updateParcel(s, r, parcel, out);
  writeAlerts(s, parcel, out, r.now);
}

}  // namespace store

// Returns an error without throwing only before it wrote anything: commitIn keeps such a
// result in a batch written without savepoints.
Result<PollOutcome> SqliteStore::commitOne(const CommitRequest& r) {
  State& s = *s_;
  PollOutcome out;
  if (r.parcel_id == 0 && !r.tracking_number.empty()) {
    // A push names only its number: the row as findParcel reads it, in one query.
    auto found = findParcel(r.tracking_number);
    if (!found) return found.error();
    if (!*found)
      return makeError(ErrorCode::not_found, "no parcel " + r.tracking_number + " is tracked");
    out.parcel = std::make_shared<const Parcel>(std::move(**found));
  } else {
    auto parcel = this->parcel(r.parcel_id);
    if (!parcel) return parcel.error();
    out.parcel = std::make_shared<const Parcel>(std::move(*parcel));
  }
  const Parcel& p = *out.parcel;
  const std::int64_t id = p.id;
  wrote(id);
  auto merged = store::mergeEvents(s, id, r.events, secs(r.now));
  out.new_events = merged.added;
  out.rewritten = merged.rewritten;

  auto open = store::openExceptions(s, id);
  Timeline timeline;
  if (merged.fresh && merged.added_events.size() <= s.options.event_cap) {
    // A first answer: reading its events back was a tenth of the writer's time, and gives
    // the same timeline (StoreTest.AFirstAnswerIsAssessedAsTheStoreReadsItBack).
    timeline.reserve(merged.added_events.size());
    for (const auto* e : merged.added_events) timeline.push_back(*e);
  } else {
    auto stored = store::loadTimeline(s, id);
    if (stored.size() > s.options.event_cap) {
      std::vector<std::pair<std::int64_t, std::int64_t>> evidence;
      std::vector<std::int64_t> since;
      for (const auto& [kind, e] : open) {
        auto keys = store::parseEvidenceKey(e.evidence);
        evidence.insert(evidence.end(), keys.begin(), keys.end());
        since.push_back(e.since);
      }
      store::applyCap(s, id, stored, evidence, since);
    }
    timeline.reserve(stored.size());
    for (auto& e : stored) timeline.push_back(std::move(e.event));
  }
  Assessment assessment = r.assess(p, timeline, readClaims(s, p, r.claims_since));
  out.stage = assessment.stage;
  auto plan = store::reconcile(p, open, assessment, r.answered);
  store::writeReconciliation(s, r, p, plan, out);
  return out;
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::commitBatch(
    std::vector<CommitRequest> requests) {
  return commitAll(requests, "commit batch");
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::commitBatch(
    std::vector<CommitRequest> requests, const AlertMarks& marks, Timestamp marksAt) {
  return commitAll(requests, "commit batch", marks, marksAt);
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::commitAll(
    const std::vector<CommitRequest>& requests, const char* what, const AlertMarks& marks,
    Timestamp marksAt) {
  auto out = commitIn(requests, what, marks, marksAt);
  publishMarks();  // once the transaction ended
  return out;
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::commitIn(
    const std::vector<CommitRequest>& requests, const char* what, const AlertMarks& marks,
    Timestamp marksAt) {
  auto failed = [](const char* what, const std::exception& e, ErrorCode code) {
    return makeError(code, std::string(what) + ": " + e.what());
  };
  // A savepoint per request was 6 % of the writer's instructions in a first poll round
  // (bench_first_poll, callgrind). A batch is written without them first; a request that
  // throws midway, having written part of itself, rolls the whole transaction back, and the
  // batch is written again with a savepoint per request, so that only that request is lost.
  // A request that returns an error without throwing has written nothing (commitOne).
  auto write = [&](bool savepoints) -> std::optional<std::vector<Result<PollOutcome>>> {
    store::WriteTransaction tx(*s_);
    if (!marks.empty()) {
      // In a savepoint of their own: a failure to mark is logged and costs
      // the batch nothing (the lines are written again at the next start).
      try {
        store::Savepoint item(*s_);
        writeMarks(marks, marksAt);
        item.release();
      } catch (const SQLite::Exception& e) {
        subsystemLogger("store")->error("STORE_WRITE_FAILED what=mark_alerted error={}", e.what());
      }
    }
    std::vector<Result<PollOutcome>> out;
    out.reserve(requests.size());
    for (const auto& r : requests) {
      std::optional<store::Savepoint> item;
      if (savepoints) item.emplace(*s_);
      bool threw = false;
      Result<PollOutcome> one = [&]() -> Result<PollOutcome> {
        try {
          return commitOne(r);
        } catch (const SQLite::Exception& e) {
          threw = true;
          return failed("commit poll", e, ErrorCode::io);
        } catch (const std::exception& e) {
          threw = true;
          return failed("commit poll", e, ErrorCode::internal);
        }
      }();
      if (threw && !item) return std::nullopt;  // tx rolls back
      if (item && one)
        item->release();
      else if (item)
        item->rollback();
      out.push_back(std::move(one));
    }
    tx.commit();
    return out;
  };
  try {
    followScreens();
    if (auto together = write(false)) return std::move(*together);
    return std::move(*write(true));
  } catch (const SQLite::Exception& e) {
    return failed(what, e, ErrorCode::io);
  } catch (const std::exception& e) {
    return failed(what, e, ErrorCode::internal);
  }
}

Result<PollOutcome> SqliteStore::commitPoll(std::int64_t parcelId,
                                            const std::vector<TrackingEvent>& events,
                                            const std::string& carrierState, Timestamp now,
                                            const AssessFn& assess) {
  std::vector<CommitRequest> one(1);
  one[0].parcel_id = parcelId;
  one[0].events = events;
  one[0].carrier_state = carrierState;
  one[0].now = now;
  one[0].assess = assess;
  auto r = commitAll(one, "commit poll");
  if (!r) return r.error();
  return std::move(r->front());
}

}  // namespace pw
