#include "polling/group_commit.h"

#include "common/log.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <vector>

namespace pw {

GroupCommit::GroupCommit(boost::asio::io_context& io, Store& store,
                         std::function<void()> afterBatch, std::unique_ptr<Store> writer,
                         std::chrono::microseconds spacing)
    : io_(io),
      store_(store),
      after_batch_(std::move(afterBatch)),
      marks_timer_(io),
      spacing_wait_(spacing),
      spacing_timer_(io),
      writer_(std::move(writer)) {
  if (writer_) thread_.emplace(io_, 1);
}

GroupCommit::~GroupCommit() { *alive_ = false; }

void GroupCommit::submit(CommitRequest request, Done done, Urgency urgency) {
  pending_.push_back({std::move(request), std::move(done), urgency});
  if (urgency == kAwaited && spacing_) {  // the batch waiting for more goes with it
    spacing_ = false;
    spacing_timer_.cancel();
  }
  schedule();
}

void GroupCommit::write(Work work, std::function<void()> then) {
  jobs_.push_back({std::move(work), std::move(then)});
  schedule();
}

void GroupCommit::mark(const AlertMarks& marks, Timestamp at) {
  if (marks.empty()) return;
  if (marks_.empty()) marks_since_ = std::chrono::steady_clock::now();
  marks_.append(marks);
  marks_at_ = at;
  schedule();
}

void GroupCommit::whenIdle(std::function<void()> then) {
  idle_ = std::move(then);
  schedule();  // marks waiting for a batch go now
  checkIdle();
}

void GroupCommit::checkIdle() {
  if (!idle_ || !idle()) return;
  boost::asio::post(io_, std::move(idle_));
  idle_ = nullptr;
}

void GroupCommit::schedule() {
  if (posted_ || (pending_.empty() && jobs_.empty() && marks_.empty())) return;
  posted_ = true;
  seen_ = pending_.size();
  turns_ = 0;
  post();
}

void GroupCommit::post() {
  // Posted, not run here: results whose answers are ready in this turn of the
  // loop queue up behind it and share the transaction.
  boost::asio::post(io_, [this, alive = alive_] {
    if (*alive) gather();
  });
}

void GroupCommit::gather() {
  // Asio looks at the sockets again before it runs a handler posted now, so
  // another turn is worth it while the last one brought results.
  bool grew = pending_.size() > seen_;
  if (grew && pending_.size() < kMaxBatch && ++turns_ < kMaxGatherTurns) {
    seen_ = pending_.size();
    post();
    return;
  }
  flush();
}

void GroupCommit::flush() {
  posted_ = false;
  // The batch or job on the writer's thread schedules the next when it is back.
  if (writing_) return;
  if (spacing_) {
    if (pending_.size() < kFullBatch) return;  // the timer flushes
    spacing_ = false;
    spacing_timer_.cancel();
  }
  // Batches and jobs take turns: a stream of results holds no job back.
  if (!jobs_.empty() && (pending_.empty() || job_turn_)) {
    job_turn_ = false;
    runJob();
    return;
  }
  if (pending_.empty()) {
    if (!marksMayWait()) runMarks();
    return;
  }
  if (writer_ && pending_.size() < kFullBatch && waitForMore()) return;
  job_turn_ = true;
  std::size_t n = std::min(pending_.size(), kMaxBatch);
  auto batch = std::make_shared<Batch>();
  batch->requests.reserve(n);
  batch->dones.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    batch->requests.push_back(std::move(pending_.front().request));
    batch->dones.push_back(std::move(pending_.front().done));
    pending_.pop_front();
  }
  if (marks_timer_set_) marks_timer_.cancel();  // they ride on this batch
  if (!forWriter(*batch)) {
    batch->results = store_.commitBatch(std::move(batch->requests), marks_, marks_at_);
    marks_.clear();
    committed(*batch);
    return;
  }
  batch->marks = std::move(marks_);
  batch->marks_at = marks_at_;
  marks_.clear();
  writing_ = true;
  last_batch_at_ = std::chrono::steady_clock::now();
  thread_->run(
      [writer = writer_.get(), batch] {
        try {
          batch->results =
              writer->commitBatch(std::move(batch->requests), batch->marks, batch->marks_at);
        } catch (const std::exception& e) {  // the store returns its errors; this is all else
          batch->results = makeError(ErrorCode::internal, std::string("commit batch: ") + e.what());
        }
      },
      [this, batch] {
        writing_ = false;
        committed(*batch);
      });
}

bool GroupCommit::waitForMore() {
  auto due = last_batch_at_ + spacing_wait_;
  if (std::chrono::steady_clock::now() >= due) return false;
  // Not what someone waits on, and only what the writer will take (forWriter).
  if (std::any_of(pending_.begin(), pending_.end(),
                  [](const Item& i) { return i.urgency == kAwaited || bool(i.request.plan_next); }))
    return false;
  spacing_ = true;
  spacing_timer_.expires_at(due);
  spacing_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || !spacing_) return;
    spacing_ = false;
    flush();
  });
  return true;
}

bool GroupCommit::marksMayWait() {
  if (marks_.empty() || !writer_ || idle_) return false;
  auto due = marks_since_ + kMarksWait;
  if (std::chrono::steady_clock::now() >= due) return false;
  if (!marks_timer_set_) {
    marks_timer_set_ = true;
    marks_timer_.expires_at(due);
    marks_timer_.async_wait([this, alive = alive_](boost::system::error_code) {
      if (!*alive) return;
      marks_timer_set_ = false;
      schedule();  // they go alone now, unless a batch took them meanwhile
    });
  }
  return true;
}

void GroupCommit::runJob() {
  auto job = std::make_shared<Job>(std::move(jobs_.front()));
  jobs_.pop_front();
  if (!writer_) {
    job->work(store_);
    schedule();
    if (job->then) job->then();
    checkIdle();
    return;
  }
  writing_ = true;
  thread_->run(
      [writer = writer_.get(), job] {
        try {
          job->work(*writer);
        } catch (const std::exception& e) {  // a job reports its own errors; this is a bug
          subsystemLogger("store")->error("WRITER_JOB_FAILED error=\"{}\"", e.what());
        }
      },
      [this, job] {
        writing_ = false;
        schedule();
        if (job->then) job->then();
        checkIdle();
      });
}

void GroupCommit::runMarks() {
  if (marks_.empty()) return;
  if (marks_timer_set_) marks_timer_.cancel();
  // No batch to ride on: a job of their own, on the writer like any other.
  jobs_.push_back({[marks = std::move(marks_), at = marks_at_](Store& store) {
                     if (auto r = store.markAlerted(marks, at); !r)
                       subsystemLogger("store")->error(
                           "STORE_WRITE_FAILED what=mark_alerted error={}", r.error().message);
                   },
                   {}});
  marks_.clear();
  runJob();
}

bool GroupCommit::forWriter(const Batch& batch) const {
  if (!writer_) return false;
  // A plan of the next poll runs inside the transaction, on the loop's scheduler.
  return std::none_of(batch.requests.begin(), batch.requests.end(),
                      [](const CommitRequest& r) { return bool(r.plan_next); });
}

void GroupCommit::committed(Batch& batch) {
  ++transactions_;
  // What is left goes in a later turn, after the loop served what is waiting.
  schedule();
  auto alive = alive_;
  for (std::size_t i = 0; i < batch.dones.size() && *alive; ++i) {
    if (!batch.results) {
      batch.dones[i](batch.results.error());
      continue;
    }
    if ((*batch.results)[i]) ++committed_;
    batch.dones[i](std::move((*batch.results)[i]));
  }
  if (!*alive) return;
  if (after_batch_) after_batch_();
  checkIdle();
}

}  // namespace pw
