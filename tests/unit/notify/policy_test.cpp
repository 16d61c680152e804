// The per-sink decisions, with a hand-set clock and seeded generators: retry
// schedule, rate limits, folding, filters, and what answers mean.
#include "notify/answer_classifier.h"
#include "notify/rate_limiter.h"
#include "notify/retry_schedule.h"
#include "notify/sink_policy.h"
#include "support/notify_test_util.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace pw::notify;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = test::epochMs(1700000000000);

HttpResponse answer(long status, std::string body = "",
                    std::optional<std::chrono::seconds> retryAfter = std::nullopt) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = retryAfter;
  return r;
}

Verdict verdict(SinkType type, const Result<HttpResponse>& r) {
  return classifyAnswer(type, r).verdict;
}

NotifySinkConfig robot(SinkType type) {
  NotifySinkConfig c;
  c.name = "robot";
  c.type = type;
  return c;
}

}  // namespace

TEST(NotifyRetrySchedule, DoublesFromInitialUpToTheCap) {
  RetrySchedule s{10s, 1h, 24h};
  std::vector<Millis> got;
  for (int n = 1; n <= 11; ++n) got.push_back(nominalDelay(s, n));
  EXPECT_EQ(got, (std::vector<Millis>{10s, 20s, 40s, 80s, 160s, 320s, 640s, 1280s, 2560s, 1h, 1h}));
  EXPECT_EQ(nominalDelay(s, 1000), 1h);  // no overflow
}

TEST(NotifyRetrySchedule, JitterStaysInTheUpperHalfAndIsReproducible) {
  RetrySchedule s{10s, 1h, 24h};
  std::mt19937_64 a(7), b(7);
  std::set<Millis::rep> seen;
  for (int i = 0; i < 200; ++i) {
    auto next = nextAttempt(s, 3, t0, t0, std::nullopt, a);
    ASSERT_TRUE(next);
    Millis d = *next - t0;
    EXPECT_GE(d, 20s);
    EXPECT_LE(d, 40s);
    seen.insert(d.count());
    EXPECT_EQ(nextAttempt(s, 3, t0, t0, std::nullopt, b), next);
  }
  EXPECT_GT(seen.size(), 100u);  // it does spread
}

TEST(NotifyRetrySchedule, RetryAfterIsAFloorAndTheLastTryIsAtTheDeadline) {
  RetrySchedule s{10s, 1h, 24h};
  std::mt19937_64 rng(1);
  auto floored = nextAttempt(s, 1, t0, t0, Millis(90s), rng);
  EXPECT_EQ(*floored - t0, 90s);
  // 23h59m50s after the first failure a 1h delay is cut to the deadline...
  TimePoint late = t0 + 24h - 10s;
  EXPECT_EQ(nextAttempt(s, 30, t0, late, std::nullopt, rng), t0 + 24h);
  // ...and a failure at the deadline parks.
  EXPECT_EQ(nextAttempt(s, 31, t0, t0 + 24h, std::nullopt, rng), std::nullopt);
}

TEST(NotifyRetrySchedule, DefaultScheduleMakesAboutThirtyTriesIn24h) {
  // The README's table: the count of attempts before parking with the defaults.
  RetrySchedule s{10s, 1h, 24h};
  std::mt19937_64 rng(3);
  TimePoint now = t0;
  int attempts = 1;
  while (auto next = nextAttempt(s, attempts, t0, now, std::nullopt, rng)) {
    now = *next;
    ++attempts;
  }
  EXPECT_GE(attempts, 28);
  EXPECT_LE(attempts, 50);
  EXPECT_EQ(now, t0 + 24h);
}

TEST(NotifyRateLimiter, TwentyAMinuteThenWaitForTheOldestToLeave) {
  RateLimiter l({{20, 60s}});
  EXPECT_EQ(l.available(t0), 20);
  for (int i = 0; i < 20; ++i) l.record(t0 + Millis(i * 100));
  TimePoint now = t0 + 2s;
  EXPECT_EQ(l.available(now), 0);
  EXPECT_EQ(l.nextFree(now), t0 + 60s);
  EXPECT_EQ(l.available(t0 + 60s), 1);
  EXPECT_EQ(l.available(t0 + 61s), 11);
  EXPECT_EQ(l.nextFree(t0 + 60s), t0 + 60s);
}

TEST(NotifyRateLimiter, EveryLimitAppliesAtOnce) {
  RateLimiter l({{100, 62s}, {5, 1200ms}});
  for (int i = 0; i < 5; ++i) l.record(t0);
  EXPECT_EQ(l.available(t0), 0);
  EXPECT_EQ(l.nextFree(t0), t0 + 1200ms);
  EXPECT_EQ(l.available(t0 + 1200ms), 5);
  RateLimiter none({});
  none.record(t0);
  EXPECT_GT(none.available(t0), 1000);
  EXPECT_EQ(none.nextFree(t0), t0);
}

TEST(NotifySinkPolicy, FoldsOnlyWhenTheBurstOutrunsTheRateLimit) {
  SinkPolicy p(robot(SinkType::dingtalk), 1);
  EXPECT_EQ(p.foldCount(1, t0), 1u);
  EXPECT_EQ(p.foldCount(20, t0), 1u);  // 20 tokens: send them one by one
  EXPECT_EQ(p.foldCount(21, t0), 20u);
  EXPECT_EQ(p.foldCount(50, t0), 20u);
  for (int i = 0; i < 19; ++i) p.recordSend(t0);
  EXPECT_EQ(p.foldCount(2, t0), 2u);  // one token left, two waiting
  p.recordSend(t0);
  EXPECT_EQ(p.nextSendAt(t0), t0 + 62s);

  NotifySinkConfig hook;
  hook.type = SinkType::webhook;
  SinkPolicy w(hook, 1);
  EXPECT_EQ(w.foldCount(500, t0), 1u);  // webhooks never fold
  EXPECT_EQ(w.maxInFlight(), 4);
}

TEST(NotifySinkPolicy, ConfiguredRateLimitTightensThePlatforms) {
  auto c = robot(SinkType::wecom);
  c.rate_limit = RateLimit{3, 10s};
  SinkPolicy p(c, 1);
  for (int i = 0; i < 3; ++i) p.recordSend(t0);
  EXPECT_EQ(p.nextSendAt(t0), t0 + 10s);
}

TEST(NotifySinkPolicy, FiltersByEventAndKind) {
  auto c = robot(SinkType::feishu);
  c.kinds = {ExceptionKind::false_signed, ExceptionKind::refused};
  SinkPolicy p(c, 1);
  auto e = test::sampleEvent("YT1", 1, ExceptionKind::refused);
  EXPECT_TRUE(p.wants(e));
  e.kind = ExceptionKind::stalled;
  EXPECT_FALSE(p.wants(e));
  e.kind = ExceptionKind::refused;
  e.name = AlertEventName::exception_raised;  // not in the default events
  EXPECT_FALSE(p.wants(e));
  EXPECT_TRUE(p.wants(testEvent(1)));
}

TEST(NotifySinkPolicy, RateLimitedHoldsTheSinkAndRejectedParks) {
  auto c = robot(SinkType::dingtalk);
  SinkPolicy p(c, 1);
  Answer limited{Verdict::rate_limited, "errcode 130101", std::nullopt, 200};
  p.throttle(limited, t0);
  EXPECT_EQ(p.throttledUntil(), t0 + 10min);  // DingTalk throttles for 10 minutes
  EXPECT_EQ(p.nextSendAt(t0), t0 + 10min);
  auto plan = p.afterFailure(limited, 1, t0, t0);
  EXPECT_FALSE(plan.park);
  EXPECT_EQ(plan.retry_at, t0 + 10min);
  EXPECT_TRUE(p.afterFailure({Verdict::rejected, "HTTP 400", std::nullopt, 400}, 1, t0, t0).park);
}

TEST(NotifyAnswers, DingtalkDecidesByErrcodeNotStatus) {
  EXPECT_EQ(verdict(SinkType::dingtalk, answer(200, R"({"errcode":0,"errmsg":"ok"})")),
            Verdict::delivered);
  auto limited = classifyAnswer(
      SinkType::dingtalk,
      answer(200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute",)"
                  R"("status":1111,"wait":5,"punish":"deny"})"));
  EXPECT_EQ(limited.verdict, Verdict::rate_limited);
  EXPECT_EQ(limited.reason, "errcode 130101: send too fast, exceed 20 times per minute");
  EXPECT_EQ(verdict(SinkType::dingtalk, answer(200, R"({"errcode":410100,"errmsg":"x"})")),
            Verdict::rate_limited);
  EXPECT_EQ(
      verdict(SinkType::dingtalk, answer(200, R"({"errcode":310000,"errmsg":"sign not match"})")),
      Verdict::retry);
  EXPECT_EQ(verdict(SinkType::dingtalk, answer(200, R"({"errcode":-1,"errmsg":"系统繁忙"})")),
            Verdict::retry);
  auto noCode = classifyAnswer(SinkType::dingtalk, answer(200, "<html>ok</html>"));
  EXPECT_EQ(noCode.verdict, Verdict::retry);
  EXPECT_EQ(noCode.reason, "HTTP 200 without errcode");
  EXPECT_EQ(verdict(SinkType::dingtalk, answer(502, R"({"errcode":0})")), Verdict::retry);
}

TEST(NotifyAnswers, WecomAndFeishuCodes) {
  EXPECT_EQ(verdict(SinkType::wecom, answer(200, R"({"errcode":0,"errmsg":"ok"})")),
            Verdict::delivered);
  EXPECT_EQ(verdict(SinkType::wecom, answer(200, R"({"errcode":45009,"errmsg":"api freq"})")),
            Verdict::rate_limited);
  EXPECT_EQ(verdict(SinkType::feishu, answer(200, R"({"code":0,"msg":"success","data":{}})")),
            Verdict::delivered);
  EXPECT_EQ(verdict(SinkType::feishu, answer(200, R"({"StatusCode":0,"StatusMessage":"success"})")),
            Verdict::delivered);
  EXPECT_EQ(verdict(SinkType::feishu, answer(200, R"({"code":11232,"msg":"frequency"})")),
            Verdict::rate_limited);
  EXPECT_EQ(verdict(SinkType::feishu, answer(400, R"({"code":9499,"msg":"Bad Request"})")),
            Verdict::rejected);
  // A signature failure on a 400 is a configuration to fix, not a bad message.
  EXPECT_EQ(verdict(SinkType::feishu, answer(400, R"({"code":19021,"msg":"sign match fail"})")),
            Verdict::retry);
}

TEST(NotifyAnswers, WebhookByStatusAndTransportErrors) {
  EXPECT_EQ(verdict(SinkType::webhook, answer(204)), Verdict::delivered);
  auto tooMany = classifyAnswer(SinkType::webhook, answer(429, "", std::chrono::seconds(30)));
  EXPECT_EQ(tooMany.verdict, Verdict::rate_limited);
  EXPECT_EQ(tooMany.retry_after, Millis(30s));
  EXPECT_EQ(verdict(SinkType::webhook, answer(503)), Verdict::retry);
  EXPECT_EQ(verdict(SinkType::webhook, answer(401)), Verdict::retry);
  EXPECT_EQ(verdict(SinkType::webhook, answer(413)), Verdict::rejected);
  auto down = classifyAnswer(SinkType::webhook,
                             Result<HttpResponse>(makeError(ErrorCode::transient, "Timeout")));
  EXPECT_EQ(down.verdict, Verdict::retry);
  EXPECT_EQ(down.reason, "Timeout");
  EXPECT_EQ(down.http_status, 0);
}
