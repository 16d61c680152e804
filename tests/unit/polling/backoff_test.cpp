#include "polling/backoff.h"

#include <gtest/gtest.h>

#include <set>

using namespace pw;
using namespace std::chrono;

TEST(Backoff, GrowsExponentiallyWithinEqualJitterBounds) {
  BackoffSettings s;  // 5 min, x2, cap 6 h
  Jitter j(1);
  for (int failures = 1; failures <= 6; ++failures) {
    Seconds step = s.base * (1 << (failures - 1));
    for (int i = 0; i < 200; ++i) {
      Seconds d = backoffDelay(s, failures, std::nullopt, j);
      ASSERT_GE(d, step / 2) << failures;
      ASSERT_LE(d, step) << failures;
    }
  }
}

TEST(Backoff, IsCapped) {
  BackoffSettings s;
  Jitter j(2);
  for (int failures : {10, 20, 60, 1000}) {
    Seconds d = backoffDelay(s, failures, std::nullopt, j);
    EXPECT_LE(d, s.cap);
    EXPECT_GE(d, s.cap / 2);
  }
}

TEST(Backoff, JitterSpreadsNumbersThatFailedTogether) {
  BackoffSettings s;
  Jitter j(3);
  std::set<Seconds::rep> seen;
  for (int i = 0; i < 100; ++i) seen.insert(backoffDelay(s, 3, std::nullopt, j).count());
  EXPECT_GT(seen.size(), 50u);
}

TEST(Backoff, HonoursALongerRetryAfterUpToItsCeiling) {
  BackoffSettings s;
  Jitter j(4);
  EXPECT_EQ(backoffDelay(s, 1, hours(2), j), hours(2));
  EXPECT_LE(backoffDelay(s, 1, seconds(1), j), s.base);  // shorter: backoff wins
  EXPECT_EQ(backoffDelay(s, 1, hours(1000), j), s.max_retry_after);
}

TEST(Backoff, SameSeedSameDelays) {
  BackoffSettings s;
  Jitter a(9), b(9);
  for (int i = 1; i < 10; ++i)
    EXPECT_EQ(backoffDelay(s, i, std::nullopt, a), backoffDelay(s, i, std::nullopt, b));
}
