#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <cstdio>
#include <cstdlib>

namespace pw {

namespace {

// "<3>" etc. in front of each line: journald reads it as the line's priority
// (sd-daemon(3) prefixes), so `journalctl -p warning` works on our output.
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* p = "<6>";
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        p = "<7>";
        break;
      case spdlog::level::info:
        p = "<6>";
        break;
      case spdlog::level::warn:
        p = "<4>";
        break;
      case spdlog::level::err:
        p = "<3>";
        break;
      case spdlog::level::critical:
        p = "<2>";
        break;
      default:
        break;
    }
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriority>();
  }
};

}  // namespace

bool stderrIsJournal() {
  // systemd sets JOURNAL_STREAM=dev:inode for the stream it connected; only
  // trust it if stderr is still that stream (not redirected by a wrapper).
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

namespace {
std::filesystem::path gLogFile;  // empty: stderr
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";
}  // namespace

void setupLogging(const std::string& level, const std::filesystem::path& file) {
  std::shared_ptr<spdlog::logger> logger;
  gLogFile = file;
  if (!file.empty()) {
    logger = spdlog::basic_logger_mt("app", file.string());  // throws: a start-up failure
    logger->set_pattern(kPattern);
  } else if (stderrIsJournal()) {
    logger = spdlog::stderr_color_mt("app");
    // No timestamp of our own: the journal adds one.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JournalPriority>('*').set_pattern("%*[%n] %v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger = spdlog::stderr_color_mt("app");
    logger->set_pattern(kPattern);
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

bool reopenLogFile() {
  if (gLogFile.empty()) return true;
  std::shared_ptr<spdlog::sinks::sink> fresh;
  try {
    fresh = std::make_shared<spdlog::sinks::basic_file_sink_mt>(gLogFile.string());
  } catch (const spdlog::spdlog_ex&) {
    return false;  // keep writing to the old file
  }
  fresh->set_pattern(kPattern);
  // Every subsystem logger was cloned from the default one and shares its sink.
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    for (auto& sink : l->sinks()) sink = fresh;
  });
  return true;
}

}  // namespace pw
