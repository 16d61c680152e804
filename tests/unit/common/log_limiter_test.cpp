#include "common/log.h"

#include <gtest/gtest.h>

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
