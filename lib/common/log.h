#pragma once
// The main log's conventions: one named spdlog logger per subsystem (poll,
// carrier, detect, store, control, push, app), lines that start with a stable
// UPPER_CASE event name followed by key=value fields, and a limiter so an
// error that repeats for every parcel (a carrier down, a full disk) writes a
// few lines and a count instead of flooding the journal (journald drops
// beyond 10,000 lines per 30 s by default).
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace pw {

/// The logger for a subsystem, sharing the default logger's sinks and level.
std::shared_ptr<spdlog::logger> subsystemLogger(std::string_view name);

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(std::size_t burst = 5, std::chrono::seconds window = std::chrono::seconds(60))
      : burst_(burst), window_(window) {}

  struct Verdict {
    bool write = false;
    /// Lines swallowed in the window that just closed, to mention with this one.
    std::size_t suppressed = 0;
  };
  /// Whether a line for `key` may be written now (at most `burst` per window).
  Verdict check(const std::string& key, Clock::time_point now = Clock::now());
  /// Reports, once, every key whose window closed with lines suppressed.
  void drain(const std::function<void(const std::string& key, std::size_t suppressed)>& report,
             Clock::time_point now = Clock::now());
  std::chrono::seconds window() const { return window_; }

  /// check() for a line not built yet, for lines that come by the thousand: true when it may
  /// be written, after a LOG_SUPPRESSED line if the window that just closed swallowed some.
  bool admit(spdlog::logger& logger, const std::string& key, Clock::time_point now = Clock::now());
  /// Writes `line` unless `key` is over its burst; the first line after a
  /// window that swallowed some is preceded by LOG_SUPPRESSED with the count.
  void log(spdlog::logger& logger, spdlog::level::level_enum level, const std::string& key,
           std::string_view line, Clock::time_point now = Clock::now());
  /// drain() as LOG_SUPPRESSED lines, for keys that fell silent.
  void flush(spdlog::logger& logger, Clock::time_point now = Clock::now());

 private:
  struct Slot {
    Clock::time_point started;
    std::size_t written = 0;
    std::size_t suppressed = 0;
  };
  std::size_t burst_;
  std::chrono::seconds window_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace pw
