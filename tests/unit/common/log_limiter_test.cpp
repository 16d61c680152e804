#include "common/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using namespace pw;
using namespace std::chrono;

TEST(LogLimiter, ABurstPerWindowThenACountOfWhatWasSwallowed) {
  LogLimiter limiter(3, seconds(60));
  auto t0 = LogLimiter::Clock::time_point{} + hours(1);
  int written = 0;
  for (int i = 0; i < 10; ++i) written += limiter.check("POLL_FAILED carrier=a", t0).write;
  EXPECT_EQ(written, 3);
  EXPECT_TRUE(limiter.check("POLL_FAILED carrier=b", t0).write) << "keys are counted apart";

  // The next line after the window mentions the 7 swallowed ones.
  auto next = limiter.check("POLL_FAILED carrier=a", t0 + seconds(61));
  EXPECT_TRUE(next.write);
  EXPECT_EQ(next.suppressed, 7u);

  // A key that falls silent is reported by drain(), once.
  for (int i = 0; i < 5; ++i) limiter.check("EVENT_DROPPED", t0 + seconds(70));
  std::vector<std::pair<std::string, std::size_t>> reports;
  auto collect = [&](const std::string& k, std::size_t n) { reports.emplace_back(k, n); };
  limiter.drain(collect, t0 + seconds(100));
  EXPECT_TRUE(reports.empty()) << "window still open";
  limiter.drain(collect, t0 + seconds(200));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0], std::make_pair(std::string("EVENT_DROPPED"), std::size_t{2}));
  reports.clear();
  limiter.drain(collect, t0 + seconds(300));
  EXPECT_TRUE(reports.empty());
}

namespace {

// A logger that writes "level text" lines to `out`, and a limiter of two lines a minute.
struct LogLimiterLines : ::testing::Test {
  std::ostringstream out;
  spdlog::logger logger{"test", std::make_shared<spdlog::sinks::ostream_sink_st>(out)};
  LogLimiter limiter{2, seconds(60)};
  LogLimiter::Clock::time_point t0 = LogLimiter::Clock::time_point{} + hours(1);
  LogLimiterLines() { logger.set_pattern("%l %v"); }
};

}  // namespace

TEST_F(LogLimiterLines, LogWritesTheBurstThenSaysHowManyWereSwallowed) {
  for (int i = 0; i < 5; ++i)
    limiter.log(logger, spdlog::level::warn, "POLL_FAILED carrier=a",
                "POLL_FAILED #" + std::to_string(i), t0);
  limiter.log(logger, spdlog::level::warn, "POLL_FAILED carrier=a", "POLL_FAILED #5",
              t0 + seconds(61));
  limiter.log(logger, spdlog::level::err, "STORE_WRITE_FAILED", "STORE_WRITE_FAILED", t0);
  limiter.log(logger, spdlog::level::err, "STORE_WRITE_FAILED", "STORE_WRITE_FAILED", t0);
  limiter.log(logger, spdlog::level::err, "STORE_WRITE_FAILED", "STORE_WRITE_FAILED", t0);
  limiter.flush(logger, t0 + seconds(200));
  EXPECT_EQ(out.str(),
            "warning POLL_FAILED #0\n"
            "warning POLL_FAILED #1\n"
            "warning LOG_SUPPRESSED count=3 window=60s of=\"POLL_FAILED carrier=a\"\n"
            "warning POLL_FAILED #5\n"
            "error STORE_WRITE_FAILED\n"
            "error STORE_WRITE_FAILED\n"
            "warning LOG_SUPPRESSED count=1 window=60s of=\"STORE_WRITE_FAILED\"\n");
}

TEST_F(LogLimiterLines, AdmitSaysWhetherToBuildTheLineAndCountsWhatItTurnedAway) {
  int admitted = 0;
  for (int i = 0; i < 5; ++i) admitted += limiter.admit(logger, "TASK_RAISED", t0);
  EXPECT_EQ(admitted, 2);
  EXPECT_EQ(out.str(), "") << "admit writes nothing of its own within the window";
  EXPECT_TRUE(limiter.admit(logger, "TASK_RAISED", t0 + seconds(61)));
  EXPECT_EQ(out.str(), "warning LOG_SUPPRESSED count=3 window=60s of=\"TASK_RAISED\"\n");
}
