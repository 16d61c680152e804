#pragma once
// Turns what a commit changed into the alert log's lines (and the main log's
// TASK_RAISED / EXCEPTION_* lines), and keeps the "may repeat, never vanish"
// promise: a line the sink cannot write now is kept in order and retried,
// and the store only learns a line reached the disk once it did, so a
// restart replays whatever a crash left unwritten.
#include "common/clock.h"
#include "common/log.h"
#include "polling/alert_sink.h"
#include "polling/service_api.h"
#include "store/store.h"

#include <boost/json/object.hpp>

namespace pw {

class AlertEmitter {
 public:
  AlertEmitter(AlertSink& sink, Store& store, const Clock& clock, PollCounters& counters);

  /// Lines for one committed poll or push result, in the order they happened.
  /// The store learns they were written once the caller marks what
  /// takeWritten() returns. The outcome's alert_lines, when the store wrote
  /// them, are moved to the sink, all the lines of a batch's results at once
  /// when takeWritten() is called (or the next emit or retry, whichever is
  /// first): a system call a line was a write a poll on the event loop.
  void announce(const Parcel& parcel, PollOutcome& outcome, Timestamp now);
  /// The lines written since the last call, for the store to mark, in one
  /// transaction, after each group of results: a transaction per result
  /// cost as much as the result's own commit, and a crash before the marks
  /// only replays those lines (they "may repeat, never vanish").
  struct Written {
    AlertMarks marks;
    Timestamp at{};
  };
  Written takeWritten();
  /// One line; false when it is kept for later (the disk is full, say).
  bool emit(const boost::json::object& record);
  /// Writes kept lines (called every second while some are kept).
  void retry();
  /// At start-up: lines a crash or a full disk left unwritten.
  void replayPending();
  bool backlog() const { return backlog_; }
  /// LOG_SUPPRESSED for the journal's detection lines that a closed window swallowed (called
  /// every second).
  void flushJournal();

  /// The main log's TASK_RAISED, EXCEPTION_UPDATED and EXCEPTION_RESOLVED lines, each, per
  /// minute: the alert log has every line; a first poll round of a large shop raises tasks by
  /// the thousand a second, and journald drops whatever goes beyond 10,000 lines in 30 s,
  /// errors included. The three kinds together stay under a tenth of that limit.
  static constexpr std::size_t kJournalLinesPerMinute = 600;

 private:
  void markWritten(const AlertMarks& marks, Timestamp now);
  /// Counts and reports a sink that kept a line for later.
  bool written(bool ok);
  /// Hands the lines announce() gathered to the sink, in one call.
  void release();

  AlertSink& sink_;
  Store& store_;
  const Clock& clock_;
  PollCounters& counters_;
  bool backlog_ = false;
  std::shared_ptr<spdlog::logger> detect_;
  LogLimiter journal_{kJournalLinesPerMinute, std::chrono::seconds(60)};
  AlertMarks awaiting_disk_;  // lines kept in memory, not yet written
  AlertMarks unmarked_;       // lines written, not yet marked in the store
  Timestamp unmarked_at_{};
  std::vector<std::string> held_lines_;  // announced, not yet handed to the sink
  AlertMarks held_marks_;                // what they mark once written
  Timestamp held_at_{};
};

}  // namespace pw
