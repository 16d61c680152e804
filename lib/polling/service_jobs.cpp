// The background jobs of `rerun --all | --kind` and `reassess --all | --kind`:
// a bounded page per turn of the loop, so that the control socket, the
// watchdog and the polls are served between pages. A reassessment on a store
// that can screen pages (SQLite) reads and assesses them on the screening
// threads and writes only the parcels whose findings changed, on the
// writer's thread (GroupCommit::write) between the batches of results.
#include "common/duration.h"
#include "common/log.h"
#include "polling/polling_service.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>

namespace pw {
namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> logger(std::string_view name) { return subsystemLogger(name); }

// Parcels a page of a job takes per turn of the loop. A reassess page is one
// transaction whose cost varies with the machine and with how much changes
// (a raise writes rows and alert lines, an unchanged parcel only reads), so
// its size follows what the last page took: a turn stays near kJobTurn.
constexpr std::size_t kJobPage = 200;  // the first page
constexpr std::size_t kJobPageMin = 20, kJobPageMax = 2000;
constexpr auto kJobTurn = std::chrono::milliseconds(15);
// A screened page: the loop reads only the parcels' rows for it (an index
// range), the screen the rest. Large enough that a screen's fixed costs (a
// read transaction, the statements) do not count, small enough that the
// pages in flight stay a few MiB.
constexpr std::size_t kScreenPage = 1000;
// How often a job held back for the log looks again, and for how long at most.
constexpr auto kLogWait = std::chrono::milliseconds(50);
constexpr auto kLogHoldMax = std::chrono::seconds(2);

std::size_t nextJobPage(std::size_t size, std::chrono::steady_clock::duration took) {
  double ms = std::max(0.1, std::chrono::duration<double, std::milli>(took).count());
  double fit = static_cast<double>(size) * static_cast<double>(kJobTurn.count()) / ms;
  // Halfway to the size that fits: one slow page (a checkpoint) does not
  // shrink the next to nothing.
  auto next = static_cast<std::size_t>((static_cast<double>(size) + fit) / 2);
  return std::clamp(next, kJobPageMin, kJobPageMax);
}

const char* jobName(bool rerun) { return rerun ? "rerun" : "reassess"; }

}  // namespace

Result<void> PollingService::startJob(JobKind kind, const RerunSelection& selection) {
  if (job_.running)
    return makeError(ErrorCode::conflict, std::string("a ") + jobName(job_kind_ == JobKind::rerun) +
                                              " is already running (" + std::to_string(job_.done) +
                                              " of " + std::to_string(job_.total) +
                                              " parcels done)");
  job_kind_ = kind;
  job_ids_.clear();
  job_all_ = !selection.kind;
  std::size_t total = 0;
  if (selection.kind) {
    // Only as many ids as parcels with that exception open (8 bytes each).
    auto withKind = store_.parcelsWithOpen(*selection.kind);
    if (!withKind) return withKind.error();
    job_ids_ = std::move(*withKind);
    total = job_ids_.size();
  } else {
    auto counts = store_.counts();
    if (!counts) return counts.error();
    for (const auto& [stage, n] : counts->parcels_by_stage)
      if (auto st = parcelStageFromString(stage); st && !isFinal(*st))
        total += static_cast<std::size_t>(n);
  }
  job_ = JobProgress{true, 0, total, clock_.now(), std::nullopt, ""};
  job_rerun_ = RerunReport{};
  job_raised_ = job_resolved_ = 0;
  job_page_ = kJobPage;
  job_after_ = 0;
  job_index_ = 0;
  job_read_all_ = false;
  job_screening_ = 0;
  job_named_ = 0;
  job_writes_.clear();
  screener_.reset();
  if (kind == JobKind::reassess && job_screens_ > 0) {
    // A store without screens (PostgreSQL reads a parcel at a time) keeps
    // the loop's pages, and so does one whose screen cannot open.
    auto first = store_.openScreen();
    if (!first)
      logger("store")->warn("REASSESS_SCREEN_FAILED error=\"{}\" (reassessing on the loop)",
                            first.error().message);
    else if (*first)
      screener_ = std::make_unique<PageScreener>(io_, store_, job_screens_, std::move(*first));
  }
  logger("detect")->info("{}_STARTED parcels={} kind={} screens={}",
                         kind == JobKind::rerun ? "RERUN" : "REASSESS", total,
                         selection.kind ? toString(*selection.kind) : "all",
                         screener_ ? screener_->threads() : 0);
  if (screener_)
    postScreenStep();
  else
    asio::post(io_, [this] { jobPage(); });
  return {};
}

std::vector<Parcel> PollingService::nextJobParcels(std::size_t size) {
  std::vector<Parcel> page;
  if (job_all_) {
    auto active = store_.activeParcels(job_after_, static_cast<int>(size));
    if (!active) {
      logger("store")->error("{}_PAGE_FAILED after={} error={}",
                             job_kind_ == JobKind::rerun ? "RERUN" : "REASSESS", job_after_,
                             active.error().message);
      job_read_all_ = true;
      return page;
    }
    for (auto& a : *active) page.push_back(std::move(a.parcel));
    job_read_all_ = page.size() < size;
    if (!page.empty()) job_after_ = page.back().id;
  } else {
    for (auto id : nextJobIds(size))
      if (auto p = store_.parcel(id)) page.push_back(std::move(*p));
  }
  return page;
}

void PollingService::countOutcomes(const std::vector<Result<PollOutcome>>& outcomes) {
  for (const auto& outcome : outcomes) {
    if (outcome) {
      job_raised_ += outcome->raised.size();
      job_resolved_ += outcome->resolved.size();
    }
  }
  setReassessResult();
}

void PollingService::setReassessResult() {
  job_.result =
      "raised=" + std::to_string(job_raised_) + " resolved=" + std::to_string(job_resolved_);
  // With screens: the parcels whose findings or stage changed, which were written.
  if (screener_) job_.result += " changed=" + std::to_string(job_named_);
}

// A page of a background rerun or reassess, then the loop's other work.
void PollingService::jobPage() {
  if (stopping_ || !job_.running) return;
  auto started = std::chrono::steady_clock::now();
  const std::size_t size = job_page_;
  std::vector<Parcel> page = nextJobParcels(size);
  if (job_kind_ == JobKind::rerun) {
    auto r = loop_.rerun(page);
    job_rerun_.queued += r.queued;
    job_rerun_.deferred += r.deferred;
    for (const auto& [why, n] : r.reasons) job_rerun_.reasons[why] += n;
    if (r.deferred_until &&
        (!job_rerun_.deferred_until || *r.deferred_until > *job_rerun_.deferred_until))
      job_rerun_.deferred_until = r.deferred_until;
    job_.result = "queued=" + std::to_string(job_rerun_.queued) +
                  " deferred=" + std::to_string(job_rerun_.deferred);
  } else {
    countOutcomes(pipeline_.reassess(page, clock_.now()));
  }
  job_.done += page.size();
  job_page_ = nextJobPage(size, std::chrono::steady_clock::now() - started);
  if (!job_read_all_) {
    asio::post(io_, [this] { jobPage(); });
    return;
  }
  finishJob();
}

void PollingService::postScreenStep() {
  if (job_step_posted_) return;
  job_step_posted_ = true;
  asio::post(io_, [this] { screenStep(); });
}

std::vector<std::int64_t> PollingService::nextJobIds(std::size_t size) {
  std::vector<std::int64_t> ids;
  if (job_all_) {
    auto active = store_.activeParcelIds(job_after_, static_cast<int>(size));
    if (!active) {
      logger("store")->error("REASSESS_PAGE_FAILED after={} error={}", job_after_,
                             active.error().message);
      job_read_all_ = true;
      return ids;
    }
    ids = std::move(*active);
    job_read_all_ = ids.size() < size;
    if (!ids.empty()) job_after_ = ids.back();
  } else {
    auto end = std::min(job_ids_.size(), job_index_ + size);
    ids.assign(job_ids_.begin() + static_cast<std::ptrdiff_t>(job_index_),
               job_ids_.begin() + static_cast<std::ptrdiff_t>(end));
    job_index_ = end;
    job_read_all_ = job_index_ >= job_ids_.size();
  }
  return ids;
}

// One thing per turn: hand the next page to a screen while one is free (one
// page waits ahead, so that no thread idles while the loop reads), else
// write a bounded page of the parcels the screens named. When the loop's
// writes fall behind, no new page goes out: what the screens kept for the
// writes (timelines) stays a few pages, whatever the number of parcels.
void PollingService::screenStep() {
  job_step_posted_ = false;
  // A step left over from a job that ended (another may run, without screens).
  if (stopping_ || !job_.running || !screener_) return;
  const std::size_t ahead = screener_->threads() + 1;
  if (!job_read_all_ && job_screening_ < ahead && job_writes_.size() < ahead && !holdingLog()) {
    auto ids = nextJobIds(kScreenPage);
    if (!ids.empty()) {
      ++job_screening_;
      // Before the screen reads: a parcel written after this is read again.
      std::uint64_t mark = store_.screenMark();
      // Parcels of which only the id is set: the screen reads the rows.
      std::vector<Parcel> byId(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) byId[i].id = ids[i];
      screener_->screen(pipeline_.reassessPage(std::move(byId), clock_.now()),
                        [this, mark, ids = std::move(ids)](Result<ScreenedPage> screened) mutable {
                          this->screened(ids, std::move(screened), mark);
                        });
    }
    postScreenStep();
    return;
  }
  if (!job_writes_.empty() && !job_writing_) writeScreened();
  // A write out posts the next step when it is back.
  if (job_writing_) return;
  if (!job_writes_.empty()) {
    postScreenStep();
    return;
  }
  if (job_read_all_ && job_screening_ == 0) {
    finishJob();
    return;
  }
  if (job_screening_ == 0 && !job_read_all_) {
    // Held back for the log (holdingLog): nothing out will post the next step.
    job_wait_.expires_after(kLogWait);
    job_wait_.async_wait([this](boost::system::error_code ec) {
      if (!ec) postScreenStep();
    });
  }
}

void PollingService::writeScreened() {
  auto& front = job_writes_.front();
  const std::size_t size = std::min(job_page_, front.parcels.size() - front.next);
  auto from = front.parcels.begin() + static_cast<std::ptrdiff_t>(front.next);
  std::vector<Parcel> page(std::make_move_iterator(from),
                           std::make_move_iterator(from + static_cast<std::ptrdiff_t>(size)));
  front.next += size;
  const std::uint64_t mark = front.mark;
  ScreenedPage screened = front.screened;  // the rows are shared, not copied
  if (front.next == front.parcels.size()) {
    screener_->release(std::move(front.screened));
    job_writes_.pop_front();
  }
  job_writing_ = true;
  pipeline_.reassessScreened(std::move(page), std::move(screened), mark, clock_.now(),
                             [this, size](std::vector<Result<PollOutcome>> outcomes,
                                          std::chrono::steady_clock::duration took) {
                               job_writing_ = false;
                               countOutcomes(outcomes);
                               job_.done += size;
                               // Sized by the writer's time: it holds the file's write lock
                               // meanwhile.
                               job_page_ = nextJobPage(size, took);
                               postScreenStep();
                             });
}

// The log is let start over before more pages go out, once per
// kLogHoldMax at most: a pause that found the log still long (no write came
// to start it over) lets one page go, whose writes will.
bool PollingService::holdingLog() {
  if (!store_.screensHoldLog()) {
    job_holding_since_.reset();
    return false;
  }
  auto now = std::chrono::steady_clock::now();
  if (!job_holding_since_) job_holding_since_ = now;
  if (now - *job_holding_since_ < kLogHoldMax) return true;
  job_holding_since_ = now;
  return false;
}

void PollingService::screened(const std::vector<std::int64_t>& ids, Result<ScreenedPage> screened,
                              std::uint64_t mark) {
  --job_screening_;
  if (!job_.running) return;
  if (screened && screened->named.size() != ids.size())
    screened = makeError(ErrorCode::internal, "a screen answered for another page");
  if (!screened) {
    logger("store")->warn(
        "REASSESS_SCREEN_FAILED parcels={} error=\"{}\" (these are read again as they are written)",
        ids.size(), screened.error().message);
    screened = ScreenedPage{std::vector<bool>(ids.size(), true), nullptr, {}};
  }
  ScreenedWrites writes{std::move(screened->parcels), std::move(*screened), mark, 0};
  const auto named = static_cast<std::size_t>(
      std::count(writes.screened.named.begin(), writes.screened.named.end(), true));
  job_.done += ids.size() - named;
  if (writes.parcels.size() != named) {
    // The screen did not hand the rows back (it failed, or cannot read
    // them): the loop reads them, a parcel at a time, as a job without
    // screens would.
    writes.parcels.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!writes.screened.named[i]) continue;
      auto p = store_.parcel(ids[i]);
      if (!p) {
        p = Parcel{};
        p->id = ids[i];  // gone: the write reports it
      }
      writes.parcels.push_back(std::move(*p));
    }
  }
  job_named_ += writes.parcels.size();
  if (!writes.parcels.empty()) job_writes_.push_back(std::move(writes));
  setReassessResult();
  postScreenStep();
}

void PollingService::finishJob() {
  job_.running = false;
  job_.finished_at = clock_.now();
  job_ids_ = {};
  job_writes_ = {};
  auto took = formatDuration(
      std::chrono::floor<std::chrono::seconds>(*job_.finished_at - *job_.started_at));
  logger("detect")->info("{}_DONE parcels={} {} took={}",
                         job_kind_ == JobKind::rerun ? "RERUN" : "REASSESS", job_.done, job_.result,
                         took);
  // Its threads are idle (no screen is out) and its connections close.
  if (screener_) store_.endScreens();
  screener_.reset();
}

}  // namespace pw
