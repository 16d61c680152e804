#include "polling/alert_emitter.h"

#include "common/log.h"
#include "polling/alert_record.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace pw {

namespace {
std::shared_ptr<spdlog::logger> logger(std::string_view name) { return subsystemLogger(name); }

const std::string kTaskRaised = "TASK_RAISED";
const std::string kExceptionUpdated = "EXCEPTION_UPDATED";
const std::string kExceptionResolved = "EXCEPTION_RESOLVED";
}  // namespace

AlertEmitter::AlertEmitter(AlertSink& sink, Store& store, const Clock& clock,
                           PollCounters& counters)
    : sink_(sink), store_(store), clock_(clock), counters_(counters), detect_(logger("detect")) {}

bool AlertEmitter::emit(const boost::json::object& record) {
  release();  // lines go out in the order they were announced
  return written(sink_.emit(record));
}

bool AlertEmitter::written(bool ok) {
  if (ok) return true;
  if (!backlog_) {
    ++counters_.alert_write_failures;
    logger("poll")->error("ALERT_WRITE_FAILED: kept in memory and retried every second");
  }
  backlog_ = true;
  return false;
}

void AlertEmitter::announce(const Parcel& parcel, PollOutcome& outcome, Timestamp now) {
  const std::string& tn = parcel.tracking_number;
  // The lines as the commit wrote them to the outbox, when it did (the SQLite
  // store): written as they are, not built and serialised a second time.
  auto& lines = outcome.alert_lines;
  const std::size_t expected = 2 * outcome.raised.size() + outcome.updated.size() +
                               outcome.resolved.size() + outcome.closed_tasks.size();
  const bool written_lines = lines.size() == expected;
  std::size_t next = 0;
  // Lines the store wrote wait for release(), with what they mark; a line built
  // here follows the ones held before it.
  auto line = [&](auto&& build) {
    if (!written_lines) return emit(build());
    held_lines_.push_back(std::move(lines[next++]));
    return true;
  };
  AlertMarks written;
  auto& marked = written_lines ? held_marks_ : written;
  for (const auto& task : outcome.raised) {
    ++counters_.tasks_raised;
    ++counters_.tasks_raised_by_kind[std::string(toString(task.kind))];
    if (journal_.admit(*detect_, kTaskRaised))
      detect_->warn("TASK_RAISED parcel={} kind={} remedy={} task={} detail=\"{}\"",
                    task.tracking_number, toString(task.kind), toString(task.suggestion.remedy),
                    task.id, task.detail);
    line([&] { return exceptionRaisedRecord(task, now); });
    // A line is written only after every line kept before it: the task's
    // line on disk means its exception's is too.
    auto& marks = line([&] { return taskRaisedRecord(task, now); }) ? marked : awaiting_disk_;
    marks.tasks.push_back(task.id);
    marks.raised.push_back(task.exception_id);
  }
  for (const auto& u : outcome.updated) {
    if (journal_.admit(*detect_, kExceptionUpdated))
      detect_->info("EXCEPTION_UPDATED parcel={} kind={} detail=\"{}\"", tn, toString(u.kind),
                    u.detail);
    line([&] {
      return exceptionUpdatedRecord(tn, parcel.carrier, u.exception_id, u.kind, u.detail, now);
    });
  }
  for (std::size_t i = 0; i < outcome.resolved.size(); ++i) {
    auto kind = outcome.resolved[i];
    auto id = outcome.resolved_ids[i];
    ++counters_.exceptions_resolved_by_kind[std::string(toString(kind))];
    if (journal_.admit(*detect_, kExceptionResolved))
      detect_->info("EXCEPTION_RESOLVED parcel={} kind={}", tn, toString(kind));
    auto& marks = line([&] { return exceptionResolvedRecord(tn, parcel.carrier, id, kind, now); })
                      ? marked
                      : awaiting_disk_;
    marks.resolved.push_back(id);
  }
  for (const auto& c : outcome.closed_tasks)
    line([&] { return taskClosedRecord(tn, parcel.carrier, c.task_id, c.kind, now); });
  if (written_lines && !held_marks_.empty()) held_at_ = now;
  if (written.empty()) return;
  unmarked_.append(written);
  unmarked_at_ = now;
}

void AlertEmitter::release() {
  if (held_lines_.empty()) return;
  bool ok = written(sink_.emitLines(std::exchange(held_lines_, {})));
  if (ok && !held_marks_.empty()) {
    unmarked_.append(held_marks_);
    unmarked_at_ = held_at_;
  } else {
    awaiting_disk_.append(held_marks_);
  }
  held_marks_.clear();
}

AlertEmitter::Written AlertEmitter::takeWritten() {
  release();
  Written w{std::move(unmarked_), unmarked_at_};
  unmarked_.clear();
  return w;
}

void AlertEmitter::markWritten(const AlertMarks& marks, Timestamp now) {
  if (marks.empty()) return;
  if (auto r = store_.markAlerted(marks, now); !r)
    logger("store")->error("STORE_WRITE_FAILED what=mark_alerted error={}", r.error().message);
}

void AlertEmitter::flushJournal() { journal_.flush(*detect_); }

void AlertEmitter::retry() {
  release();
  if (!backlog_ || !sink_.retry()) return;
  backlog_ = false;
  logger("poll")->info("ALERTS_WRITTEN_LATE tasks={}", awaiting_disk_.tasks.size());
  markWritten(awaiting_disk_, clock_.now());
  awaiting_disk_.clear();
}

// Raises first, each in commit order.
void AlertEmitter::replayPending() {
  auto raises = store_.unalertedRaises();
  auto resolves = store_.unalertedResolves();
  if (!raises || !resolves) {
    logger("store")->error("STORE_READ_FAILED what=unalerted_lines error={}",
                           !raises ? raises.error().message : resolves.error().message);
    return;
  }
  Timestamp now = clock_.now();
  AlertMarks written;
  std::size_t lines = 0;
  for (const auto& r : *raises) {
    bool ok = true;
    if (r.exception_line) ok = emit(exceptionRaisedRecord(r.task, now));
    if (r.task_line) ok = emit(taskRaisedRecord(r.task, now));
    auto& marks = ok ? written : awaiting_disk_;
    marks.tasks.push_back(r.task.id);
    marks.raised.push_back(r.task.exception_id);
    lines += static_cast<std::size_t>(r.exception_line) + static_cast<std::size_t>(r.task_line);
  }
  for (const auto& r : *resolves) {
    bool ok =
        emit(exceptionResolvedRecord(r.tracking_number, r.carrier, r.exception_id, r.kind, now));
    (ok ? written : awaiting_disk_).resolved.push_back(r.exception_id);
    ++lines;
  }
  if (lines > 0) logger("poll")->info("ALERTS_REPLAYED count={}", lines);
  markWritten(written, now);
}

}  // namespace pw
