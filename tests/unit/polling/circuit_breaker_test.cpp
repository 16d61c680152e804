#include "polling/circuit_breaker.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;

namespace {
const Timestamp t0 = sys_days(year{2026} / 11 / 2);
}

TEST(CircuitBreaker, OpensAfterARunOfFailures) {
  CircuitBreaker b;  // 5 failures, open 1 min
  for (int i = 0; i < 4; ++i) b.onFailure(t0);
  EXPECT_EQ(b.state(t0), BreakerState::closed);
  b.onSuccess(t0);  // a success breaks the run
  for (int i = 0; i < 4; ++i) b.onFailure(t0);
  EXPECT_EQ(b.state(t0), BreakerState::closed);
  b.onFailure(t0);
  EXPECT_EQ(b.state(t0), BreakerState::open);
  EXPECT_EQ(b.earliest(t0 + seconds(10)), t0 + minutes(1));
  EXPECT_EQ(b.opened(), 1);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThroughAndClosesAfterTwoSuccesses) {
  CircuitBreaker b;
  for (int i = 0; i < 5; ++i) b.onFailure(t0);
  Timestamp t = t0 + minutes(1);
  EXPECT_EQ(b.state(t), BreakerState::half_open);
  EXPECT_EQ(b.earliest(t), t);
  b.onSend(t);
  EXPECT_GT(b.earliest(t), t);  // one probe at a time
  b.onSuccess(t);
  EXPECT_EQ(b.state(t), BreakerState::half_open);
  EXPECT_EQ(b.earliest(t), t);
  b.onSend(t);
  b.onSuccess(t);
  EXPECT_EQ(b.state(t), BreakerState::closed);
}

TEST(CircuitBreaker, FailedProbeReopensForLongerUpToTheCap) {
  BreakerSettings s;
  CircuitBreaker b(s);
  for (int i = 0; i < 5; ++i) b.onFailure(t0);
  Timestamp t = t0;
  Seconds open = s.open_for;
  for (int round = 0; round < 8; ++round) {
    t += open;
    ASSERT_EQ(b.state(t), BreakerState::half_open) << round;
    b.onSend(t);
    b.onFailure(t);
    open = std::min(open * 2, s.max_open_for);
    EXPECT_EQ(b.state(t), BreakerState::open);
    EXPECT_EQ(b.earliest(t), t + open) << round;
  }
}

TEST(CircuitBreaker, LostProbeIsReplacedAfterTheProbeTimeout) {
  CircuitBreaker b;
  for (int i = 0; i < 5; ++i) b.onFailure(t0);
  Timestamp t = t0 + minutes(1);
  b.onSend(t);
  EXPECT_EQ(b.earliest(t + seconds(30)), t + minutes(1));
  EXPECT_EQ(b.earliest(t + minutes(1)), t + minutes(1));
  b.onSend(t + minutes(1));
  EXPECT_EQ(b.state(t + minutes(1)), BreakerState::half_open);
}

TEST(CircuitBreaker, LateFailuresWhileOpenDoNotExtendIt) {
  CircuitBreaker b;
  for (int i = 0; i < 5; ++i) b.onFailure(t0);
  for (int i = 0; i < 10; ++i) b.onFailure(t0 + seconds(5));
  EXPECT_EQ(b.earliest(t0 + seconds(5)), t0 + minutes(1));
  EXPECT_EQ(toString(BreakerState::half_open), "half_open");
}
