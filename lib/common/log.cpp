#include "common/log.h"

#include <spdlog/spdlog.h>

namespace pw {

std::shared_ptr<spdlog::logger> subsystemLogger(std::string_view name) {
  std::string n(name);
  if (auto l = spdlog::get(n)) return l;
  auto l = spdlog::default_logger()->clone(n);
  spdlog::register_logger(l);
  return l;
}

LogLimiter::Verdict LogLimiter::check(const std::string& key, Clock::time_point now) {
  auto [it, fresh] = slots_.try_emplace(key, Slot{now, 0, 0});
  Slot& s = it->second;
  if (now - s.started >= window_) {
    std::size_t swallowed = s.suppressed;
    s = Slot{now, 1, 0};
    return {true, swallowed};
  }
  if (s.written < burst_) {
    ++s.written;
    return {true, 0};
  }
  ++s.suppressed;
  return {false, 0};
}

void LogLimiter::drain(
    const std::function<void(const std::string& key, std::size_t suppressed)>& report,
    Clock::time_point now) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    Slot& s = it->second;
    if (now - s.started < window_) {
      ++it;
      continue;
    }
    if (s.suppressed) report(it->first, s.suppressed);
    it = slots_.erase(it);
  }
}

namespace {
void suppressed(spdlog::logger& logger, std::chrono::seconds window, const std::string& key,
                std::size_t n) {
  logger.warn("LOG_SUPPRESSED count={} window={}s of=\"{}\"", n, window.count(), key);
}
}  // namespace

void LogLimiter::log(spdlog::logger& logger, spdlog::level::level_enum level,
                     const std::string& key, std::string_view line, Clock::time_point now) {
  if (admit(logger, key, now)) logger.log(level, line);
}

bool LogLimiter::admit(spdlog::logger& logger, const std::string& key, Clock::time_point now) {
  auto verdict = check(key, now);
  if (verdict.write && verdict.suppressed) suppressed(logger, window_, key, verdict.suppressed);
  return verdict.write;
}

void LogLimiter::flush(spdlog::logger& logger, Clock::time_point now) {
  drain([&](const std::string& key, std::size_t n) { suppressed(logger, window_, key, n); }, now);
}

}  // namespace pw
