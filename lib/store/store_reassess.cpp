// reassess --all a page at a time: the page read at once, detection over
// each stored timeline, and writes only for the parcels whose exceptions or
// stage changed, all in one transaction; or a screen's read of a page on
// another connection, and the writes of what it named on this one.
#include "store/sqlite_store.h"

#include "common/log.h"
#include "store/reconcile.h"
#include "store/store_state.h"
#include "store/timeline_page.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <optional>

namespace pw {
using store::State;

namespace {

Error failed(const char* what, const std::exception& e, ErrorCode code) {
  return makeError(code, std::string(what) + ": " + e.what());
}

bool isPage(const std::vector<std::int64_t>& ids) {
  return std::is_sorted(ids.begin(), ids.end()) &&
         std::adjacent_find(ids.begin(), ids.end()) == ids.end();
}

std::vector<std::int64_t> idsOf(const ReassessPage& page) {
  std::vector<std::int64_t> ids;
  ids.reserve(page.parcels.size());
  for (const auto& p : page.parcels) ids.push_back(p.id);
  return ids;
}

// Without the buyer messages, unless a task is raised: most parcels that
// change only refresh an open exception's detail, and rendering both
// messages for each was as costly as detection itself.
Assessment assessForPlan(const ReassessPage& page, const Parcel& parcel, const Timeline& timeline,
                         const ClaimFacts& claims, const store::OpenExceptions& open) {
  Assessment bare = page.assess(parcel, timeline, claims, false);
  // As reconcile decides: a finding of a kind not open is raised.
  for (const auto& issue : bare.issues)
    if (!open.count(std::string(toString(issue.finding.kind))))
      return page.assess(parcel, timeline, claims, true);
  return bare;
}

}  // namespace

Result<ScreenedPage> SqliteStore::screenReassess(const ReassessPage& page) {
  auto ids = idsOf(page);
  if (!isPage(ids)) return Store::screenReassess(page);
  State& s = *s_;
  try {
    store::ReadTransaction tx(s);
    // A parcel written after the page went out is read again when the loop
    // writes it (the mark): what is read here may be stale, never wrong.
    auto rows = store::readTimelinePage(s, ids, page.claims_since, store::LocalTimes::when_needed);
    ScreenedPage out{std::vector<bool>(rows.size(), true), nullptr, {}};
    auto kept = std::make_shared<store::ScreenRows>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& row = rows[i];
      // Gone (the writer reports it), or over the cap (a trim writes): read again.
      if (!row.parcel || row.timeline.size() > s.options.event_cap) {
        out.parcels.push_back(row.parcel ? *row.parcel : page.parcels[i]);
        continue;
      }
      Timeline& timeline = row.timeline;
      Assessment assessment = page.assess(*row.parcel, timeline, row.claims, false);
      auto plan = store::reconcile(*row.parcel, row.open, assessment, false);
      out.named[i] = !plan.empty();
      if (out.named[i]) out.parcels.push_back(*row.parcel);
      if (plan.refreshOnly()) {
        store::RefreshOnly only{assessment.stage, {}};
        for (const auto& r : plan.refresh) only.rows.push_back(store::refreshRow(r));
        kept->refresh_only.emplace(ids[i], std::move(only));
      } else if (out.named[i]) {
        // The rows the loop writes from are whole timelines, as the commit
        // path reads them: only detection is spared the formatting.
        for (std::size_t k = 0; k < timeline.size(); ++k)
          if (row.china_time_pending[k]) store::fillChinaTime(timeline[k]);
        kept->by_id.emplace(ids[i], store::ScreenRow{std::move(*row.parcel), std::move(timeline),
                                                     std::move(row.open), row.claims});
      }
    }
    out.rows = std::move(kept);
    return out;
  } catch (const SQLite::Exception& e) {
    return failed("screen reassess page", e, ErrorCode::io);
  } catch (const std::exception& e) {
    return failed("screen reassess page", e, ErrorCode::internal);
  }
}

// While screens are out there is nearly always a reader on the log, so the
// writer cannot start it over and it stays at the backstop's size: each
// commit then ran a checkpoint, and its fsync of the database held the event
// loop for over a second. The checkpointer thread keeps copying the log
// meanwhile; without one, the backstop stays.
std::uint64_t SqliteStore::screenMark() {
  if (!screening_ && checkpointer_) setAutocheckpoint(0);
  screening_ = true;
  std::lock_guard lock(marks_->mu);
  marks_->screening = true;
  return marks_->mark;
}

void SqliteStore::endScreens() {
  if (screening_ && checkpointer_) setAutocheckpoint(kWalBackstopPages);
  screening_ = false;
  std::lock_guard lock(marks_->mu);
  marks_->screening = false;
  marks_->written.clear();
  marks_->written_all = 0;
}

bool SqliteStore::screensHoldLog() {
  if (!screening_ || !checkpointer_) return false;
  std::error_code ec;
  auto bytes = std::filesystem::file_size(file_.string() + "-wal", ec);
  return !ec && bytes > 2 * static_cast<std::uintmax_t>(kWalBackstopPages) * 4096;
}

void SqliteStore::setAutocheckpoint(int pages) {
  try {
    db_->exec("PRAGMA wal_autocheckpoint=" + std::to_string(pages));
  } catch (const std::exception& e) {  // the log only grows longer or checkpoints sooner
    subsystemLogger("store")->warn("WAL_AUTOCHECKPOINT_FAILED pages={} error=\"{}\"", pages,
                                   e.what());
  }
}

void SqliteStore::wrote(std::int64_t parcelId) {
  if (defer_marks_) {
    deferred_.push_back(parcelId);
    return;
  }
  std::lock_guard lock(marks_->mu);
  ++marks_->mark;
  if (marks_->screening) marks_->written[parcelId] = marks_->mark;
}

void SqliteStore::wroteAll() {
  if (defer_marks_) {
    deferred_all_ = true;
    return;
  }
  std::lock_guard lock(marks_->mu);
  ++marks_->mark;
  if (marks_->screening) marks_->written_all = marks_->mark;
}

void SqliteStore::publishMarks() {
  if (deferred_.empty() && !deferred_all_) return;
  std::lock_guard lock(marks_->mu);
  ++marks_->mark;
  if (marks_->screening) {
    for (auto id : deferred_) marks_->written[id] = marks_->mark;
    if (deferred_all_) marks_->written_all = marks_->mark;
  }
  deferred_.clear();
  deferred_all_ = false;
}

// The writer's connection, unlike the loop's, checkpoints the log itself
// while screens are out, at SQLite's usual 1,000 pages: its commits hold up
// no event loop, and checking at each commit finds the moments when no
// screen reads the log and it can start over. Left to the checkpointer
// thread, the log grew until the job held its pages back for it: at a
// million parcels reassess --all took 21.7 s against 16.0 s
// (bench_reassess, the two in one run).
void SqliteStore::followScreens() {
  if (!keeps_backstop_) return;
  constexpr int kWhileScreening = 1000;
  bool screening = false;
  {
    std::lock_guard lock(marks_->mu);
    screening = marks_->screening;
  }
  int pages = screening ? kWhileScreening : kWalBackstopPages;
  if (pages == backstop_) return;
  setAutocheckpoint(pages);
  backstop_ = pages;
}

bool SqliteStore::writtenSince(std::int64_t parcelId, std::uint64_t mark) const {
  std::lock_guard lock(marks_->mu);
  if (marks_->written_all > mark) return true;
  auto it = marks_->written.find(parcelId);
  return it != marks_->written.end() && it->second > mark;
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::reassessScreened(const ReassessPage& named,
                                                                       const ScreenedPage& screened,
                                                                       std::uint64_t mark) {
  if (!screened.rows) return reassessPage(named);
  followScreens();
  auto out = writeScreened(named, screened, mark);
  publishMarks();  // once the transaction ended
  return out;
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::writeScreened(const ReassessPage& named,
                                                                    const ScreenedPage& screened,
                                                                    std::uint64_t mark) {
  State& s = *s_;
  try {
    store::WriteTransaction tx(s);
    std::vector<Result<PollOutcome>> out;
    out.reserve(named.parcels.size());
    for (const auto& parcel : named.parcels) {
      const auto id = parcel.id;
      CommitRequest r;
      r.parcel_id = id;
      r.now = named.now;
      r.answered = false;
      auto it = screened.rows->by_id.find(id);
      auto only = screened.rows->refresh_only.find(id);
      const bool kept =
          it != screened.rows->by_id.end() || only != screened.rows->refresh_only.end();
      const bool again = !kept || writtenSince(id, mark);
      // A single UPDATE is atomic by itself: most parcels written need no savepoint.
      std::optional<store::Savepoint> item;
      if (again || only == screened.rows->refresh_only.end() || only->second.rows.size() > 1)
        item.emplace(s);
      Result<PollOutcome> one = [&]() -> Result<PollOutcome> {
        try {
          if (again) {
            // What the screen read may be stale: the commit path reads it
            // all again, in this parcel's turn (ids are handed out in order).
            r.claims_since = named.claims_since;
            r.assess = [&named](const Parcel& p, const Timeline& timeline,
                                const ClaimFacts& facts) {
              return named.assess(p, timeline, facts, true);
            };
            return commitOne(r);
          }
          if (only != screened.rows->refresh_only.end()) {
            wrote(id);
            for (const auto& row : only->second.rows) store::writeRefresh(s, row, r.now);
            PollOutcome o;
            o.stage = only->second.stage;
            return o;
          }
          const store::ScreenRow& row = it->second;
          Assessment assessment =
              assessForPlan(named, row.parcel, row.timeline, row.claims, row.open);
          PollOutcome o;
          o.stage = assessment.stage;
          auto plan = store::reconcile(row.parcel, row.open, assessment, false);
          if (!plan.empty()) {
            wrote(id);
            store::writeReconciliation(s, r, row.parcel, plan, o);
          }
          return o;
        } catch (const SQLite::Exception& e) {
          return failed("reassess", e, ErrorCode::io);
        } catch (const std::exception& e) {
          return failed("reassess", e, ErrorCode::internal);
        }
      }();
      if (item) {
        if (one)
          item->release();
        else
          item->rollback();
      }
      out.push_back(std::move(one));
    }
    tx.commit();
    return out;
  } catch (const SQLite::Exception& e) {
    return failed("reassess screened page", e, ErrorCode::io);
  } catch (const std::exception& e) {
    return failed("reassess screened page", e, ErrorCode::internal);
  }
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::reassessPage(const ReassessPage& page) {
  auto ids = idsOf(page);
  if (!isPage(ids)) return Store::reassessPage(page);  // not a page: each parcel on its own
  followScreens();
  auto out = writePage(page, ids);
  publishMarks();  // once the transaction ended
  return out;
}

Result<std::vector<Result<PollOutcome>>> SqliteStore::writePage(
    const ReassessPage& page, const std::vector<std::int64_t>& ids) {
  State& s = *s_;
  try {
    store::WriteTransaction tx(s);
    auto rows = store::readTimelinePage(s, ids, page.claims_since);
    std::vector<Result<PollOutcome>> out;
    out.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& row = rows[i];
      CommitRequest r;
      r.parcel_id = ids[i];
      r.now = page.now;
      r.answered = false;
      r.claims_since = page.claims_since;
      r.assess = [&page](const Parcel& p, const Timeline& timeline, const ClaimFacts& claims) {
        return page.assess(p, timeline, claims, true);
      };
      if (!row.parcel) {
        out.push_back(
            makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(r.parcel_id)));
        continue;
      }
      // Only a savepoint for a parcel that writes: most write nothing.
      std::optional<store::Savepoint> item;
      Result<PollOutcome> one = [&]() -> Result<PollOutcome> {
        try {
          if (row.timeline.size() > s.options.event_cap) {
            // Over the cap the timeline is trimmed (writes): the whole commit path.
            item.emplace(s);
            return commitOne(r);
          }
          const Timeline& timeline = row.timeline;
          Assessment assessment = assessForPlan(page, *row.parcel, timeline, row.claims, row.open);
          PollOutcome o;
          o.stage = assessment.stage;
          auto plan = store::reconcile(*row.parcel, row.open, assessment, false);
          if (plan.empty()) return o;
          wrote(r.parcel_id);
          item.emplace(s);
          store::writeReconciliation(s, r, *row.parcel, plan, o);
          return o;
        } catch (const SQLite::Exception& e) {
          return failed("reassess", e, ErrorCode::io);
        } catch (const std::exception& e) {
          return failed("reassess", e, ErrorCode::internal);
        }
      }();
      if (item) {
        if (one)
          item->release();
        else
          item->rollback();
      }
      out.push_back(std::move(one));
    }
    tx.commit();
    return out;
  } catch (const SQLite::Exception& e) {
    return failed("reassess page", e, ErrorCode::io);
  } catch (const std::exception& e) {
    return failed("reassess page", e, ErrorCode::internal);
  }
}

}  // namespace pw
