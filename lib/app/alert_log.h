#pragma once
// The alert log operators tail: one JSON object per line, appended and flushed
// per line so `tail -F alerts.jsonl | jq` sees each alert as it happens. Lines
// are built with Boost.JSON (spdlog would escape nothing). A failed write is
// reported, never swallowed: the task stays unalerted and is written again.
#include "polling/alert_sink.h"

#include <cstdio>
#include <filesystem>

namespace pw {

class AlertLog final : public AlertSink {
 public:
  /// Opens (creating) the file for appending; throws on failure (start-up).
  explicit AlertLog(std::filesystem::path path);
  ~AlertLog() override;
  AlertLog(const AlertLog&) = delete;
  AlertLog& operator=(const AlertLog&) = delete;

  bool emit(const boost::json::object& record) override;
  /// Closes and reopens the file, for logrotate. Returns false (and keeps the
  /// old handle) if the new one cannot be opened.
  bool reopen();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace pw
