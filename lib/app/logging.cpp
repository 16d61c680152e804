#include "app/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace pw {

void setupLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("parcelwatchd");
  if (std::getenv("JOURNAL_STREAM"))
    logger->set_pattern("%l [%n] %v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace pw
