#pragma once
// The alert log operators tail: one JSON object per line, appended and flushed
// per line so `tail -F alerts.jsonl | jq` sees each alert as it happens. Lines
// are built with Boost.JSON (spdlog would escape nothing). A write that fails
// (disk full) keeps the line, and the ones after it, in memory, in order, and
// writes them when it can; a partial write is completed, never restarted, so
// no line is torn. A process killed while a line was half written (a full
// disk, then kill -9) leaves a fragment at the end of the file: opening the
// file ends it with a newline before anything else is appended, so the
// fragment stays one bad line of its own instead of swallowing the next good
// one (the line it began is replayed from the database), and says so in the
// main log (ALERT_LOG_PARTIAL_LINE). Lines kept are written together, up to
// kLinesPerWrite in one writev: O_APPEND puts them at the end of the file as
// one piece, so a reader never sees another writer's bytes between them.
#include "polling/alert_sink.h"

#include <deque>
#include <filesystem>
#include <string>

namespace pw {

class AlertLog final : public AlertSink {
 public:
  /// Opens (creating) the file for appending; throws on failure (start-up).
  explicit AlertLog(std::filesystem::path path);
  ~AlertLog() override;
  AlertLog(const AlertLog&) = delete;
  AlertLog& operator=(const AlertLog&) = delete;

  bool emit(const boost::json::object& record) override;
  bool emitLine(std::string line) override;
  bool emitLines(std::vector<std::string> lines) override;
  bool retry() override;
  /// Closes and reopens the file, for logrotate. Returns false (and keeps the
  /// old handle) if the new one cannot be opened.
  bool reopen();
  const std::filesystem::path& path() const { return path_; }

 private:
  void endPartialLine();

  static constexpr std::size_t kLinesPerWrite = 64;

  std::filesystem::path path_;
  int fd_ = -1;
  std::deque<std::string> pending_;
  std::size_t written_of_front_ = 0;  // bytes of pending_.front() already on disk
};

}  // namespace pw
