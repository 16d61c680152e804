// SinkDelivery over real HTTP: CurlHttpClient on one io_context against the
// fake webhook and robot endpoints on 127.0.0.1, with the in-memory outbox.
// Retry delays are shortened to milliseconds; everything else is as in the
// daemon.
#include "notify/in_memory_outbox.h"
#include "notify/sink_delivery.h"

#include "net/curl_http_client.h"
#include "support/fake_notify_endpoint.h"
#include "support/notify_test_util.h"

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>

using namespace pw;
using namespace pw::notify;
using namespace std::chrono_literals;
using test::FakeNotifyEndpoint;
using test::NotifyFault;

namespace {

constexpr std::string_view kWebhookSecret = "webhook-secret-0123456789";
constexpr std::string_view kDingtalkSecret = "SEC0123456789abcdef";
constexpr std::string_view kFeishuSecret = "feishu-secret-0001";

struct NotifyDelivery : ::testing::Test {
  boost::asio::io_context io;
  CurlHttpClient http{io, [] {
                        CurlLimits l;
                        l.connect_timeout = 1000ms;
                        l.total_timeout = 5000ms;
                        return l;
                      }()};
  SystemNotifyClock clock;
  InMemoryOutbox outbox;

  NotifySinkConfig sinkFor(const FakeNotifyEndpoint& endpoint, SinkType type, std::string name,
                           std::string secret) {
    NotifySinkConfig c;
    c.name = std::move(name);
    c.type = type;
    c.url = endpoint.url();
    c.secret = std::move(secret);
    c.timeout = 1000ms;
    c.retry_initial = 20ms;
    c.retry_max_interval = 200ms;
    c.retry_for = 1min;
    c.throttle_pause = 100ms;
    return c;
  }

  std::unique_ptr<SinkDelivery> deliver(NotifySinkConfig c, std::uint64_t seed = 1) {
    auto d = std::make_unique<SinkDelivery>(io, http, outbox, std::move(c), clock, seed);
    d->start();
    return d;
  }

  void append(int n, int parcels, int firstMarker = 0) {
    for (int i = 0; i < n; ++i)
      outbox.append(
          test::sampleEvent("YT74000000" + std::to_string(10000 + (i % parcels)), firstMarker + i));
  }

  ::testing::AssertionResult finished(std::string_view sink, std::size_t n,
                                      std::chrono::milliseconds timeout = 20s) {
    return test::runUntil(
        io, [&] { return outbox.finished(sink).size() >= n; }, timeout,
        std::to_string(n) + " events finished for " + std::string(sink));
  }
};

// Each event's text marker ("evt-N ") found in the accepted robot messages.
std::multiset<int> markersIn(const std::vector<test::ReceivedCall>& calls) {
  std::multiset<int> out;
  for (const auto& c : calls) {
    if (!c.accepted) continue;
    for (std::size_t at = c.text.find("evt-"); at != std::string::npos;
         at = c.text.find("evt-", at + 4))
      out.insert(std::stoi(c.text.substr(at + 4)));
  }
  return out;
}

}  // namespace

TEST_F(NotifyDelivery, WebhookGetsEveryEventOnceByIdInOrderPerParcelThroughFailures) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  endpoint.pushFault({.status = 503});
  endpoint.pushFault({.status = 500, .body = "oops"});
  endpoint.pushFault({.drop_connection = true});
  endpoint.pushFault({.status = 429});
  // Processed by the receiver, answered after our 1 s timeout: sent again.
  endpoint.pushFault({.delay = 1500ms});
  endpoint.pushFault({.status = 502});
  endpoint.pushFault({.delay = 100ms});
  append(40, 6);
  auto d = deliver(sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret)));
  ASSERT_TRUE(test::runUntil(
      io, [&] { return endpoint.callCount() >= 5; }, 10s, "the first calls"));
  append(10, 6, 40);
  d->wake();
  ASSERT_TRUE(finished("crm", 50));

  auto ids = endpoint.acceptedEventIds();
  std::set<std::string> unique(ids.begin(), ids.end());
  std::set<std::string> all;
  for (int seq = 1; seq <= 50; ++seq) all.insert(std::to_string(seq));
  EXPECT_EQ(unique, all);
  EXPECT_GT(ids.size(), unique.size()) << "the timed-out call was sent again";

  // First acceptance of each event, per parcel, is in seq order.
  std::map<std::string, std::vector<std::int64_t>> perParcel;
  std::set<std::int64_t> seen;
  for (const auto& e : endpoint.acceptedEvents())
    if (seen.insert(e.seq).second) perParcel[e.tracking_number].push_back(e.seq);
  EXPECT_EQ(perParcel.size(), 6u);
  for (const auto& [parcel, seqs] : perParcel)
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << parcel;

  for (const auto& c : endpoint.calls()) EXPECT_TRUE(c.signature_ok) << c.body;
  auto s = d->stats();
  EXPECT_EQ(s.delivered, 50u);
  EXPECT_GE(s.failed_attempts, 6u);
  EXPECT_EQ(s.parked, 0u);
  EXPECT_EQ(s.rate_limited, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(outbox.finished("crm").size(), 50u);  // each once
}

TEST_F(NotifyDelivery, ParksAfterRetryForThenRequeueDelivers) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  endpoint.setStickyFault(NotifyFault{.status = 503});
  append(3, 3);
  auto c = sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret));
  c.retry_initial = 20ms;
  c.retry_max_interval = 50ms;
  c.retry_for = 400ms;
  auto started = std::chrono::steady_clock::now();
  auto d = deliver(c);
  ASSERT_TRUE(test::runUntil(
      io, [&] { return outbox.parked("crm").size() == 3; }, 10s, "3 parked"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
  for (const auto& [seq, reason] : outbox.parked("crm")) EXPECT_EQ(reason, "HTTP 503");
  EXPECT_GE(endpoint.callCount(), 3u * 5);  // several tries each before giving up
  EXPECT_EQ(d->stats().parked, 3u);
  EXPECT_TRUE(outbox.finished("crm").empty());

  // Retry state was written as it went, for a restart to resume from.
  endpoint.setStickyFault(std::nullopt);
  EXPECT_EQ(outbox.requeue("crm"), 3u);
  d->rescan();
  ASSERT_TRUE(finished("crm", 3));
  EXPECT_EQ(d->stats().delivered, 3u);
}

TEST_F(NotifyDelivery, RetryStateIsRecordedInTheOutbox) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  endpoint.setStickyFault(NotifyFault{.status = 500});
  append(1, 1);
  auto c = sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret));
  c.retry_initial = 10s;  // one failure, then a long wait
  c.retry_max_interval = 10s;
  auto d = deliver(c);
  ASSERT_TRUE(test::runUntil(
      io, [&] { return outbox.failure("crm", 1).has_value(); }, 5s, "a recorded failure"));
  auto f = *outbox.failure("crm", 1);
  EXPECT_EQ(f.failures, 1);
  EXPECT_EQ(f.error, "HTTP 500");
  EXPECT_GE(f.retry_at - f.first_failure, 5s);  // jitter keeps it in [5 s, 10 s]
  EXPECT_LE(f.retry_at - f.first_failure, 10s);
  // A new engine (a restart) honours retry_at instead of trying at once.
  d.reset();
  auto calls = endpoint.callCount();
  auto again = deliver(c);
  test::runUntil(
      io, [] { return false; }, 300ms, "nothing");
  EXPECT_EQ(endpoint.callCount(), calls);
}

TEST_F(NotifyDelivery, RejectedMessageIsParkedAtOnceAndOthersGoOn) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  endpoint.pushFault({.status = 413, .body = "too big"});
  append(3, 3);
  auto c = sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret));
  c.max_in_flight = 1;
  auto d = deliver(c);
  ASSERT_TRUE(finished("crm", 2));
  ASSERT_TRUE(test::runUntil(
      io, [&] { return outbox.parked("crm").size() == 1; }, 5s, "1 parked"));
  EXPECT_EQ(outbox.parked("crm").begin()->first, 1);
  EXPECT_EQ(outbox.parked("crm").begin()->second, "HTTP 413");
  EXPECT_EQ(endpoint.callCount(), 3u);
}

TEST_F(NotifyDelivery, DingtalkBurstIsFoldedIntoDigestsWithinTheRateLimit) {
  FakeNotifyEndpoint endpoint(io, SinkType::dingtalk, std::string(kDingtalkSecret));
  endpoint.start();
  endpoint.enforceRateLimit({3, 1000ms});  // the robot's own count, errcode 130101 past it
  auto c = sinkFor(endpoint, SinkType::dingtalk, "ops", std::string(kDingtalkSecret));
  c.rate_limit = RateLimit{3, 1500ms};  // ours, with a wide margin for a loaded machine
  append(70, 70);
  auto d = deliver(c);
  ASSERT_TRUE(finished("ops", 70));
  auto calls = endpoint.calls();
  for (const auto& call : calls) {
    EXPECT_TRUE(call.signature_ok) << call.target;
    EXPECT_FALSE(call.rate_limited);
  }
  // Three digests of 20 at once, then the last 10 when the window lets one more go.
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_NE(calls[0].text.find("物流通知汇总（20 条）"), std::string::npos) << calls[0].text;
  EXPECT_NE(calls[3].text.find("物流通知汇总（10 条）"), std::string::npos) << calls[3].text;
  EXPECT_GE(calls[3].at - calls[0].at, 1000ms);  // the robot's window
  std::multiset<int> markers = markersIn(calls);
  for (int i = 0; i < 70; ++i) EXPECT_EQ(markers.count(i), 1u) << "evt-" << i;
  EXPECT_EQ(d->stats().digests, 4u);

  // Once the burst is over, a lone event is a card of its own.
  test::runUntil(
      io, [] { return false; }, 1400ms, "the window to pass");
  append(1, 1, 70);
  d->wake();
  ASSERT_TRUE(finished("ops", 71));
  auto last = endpoint.calls().back();
  EXPECT_EQ(last.text.rfind("#### 【新任务】物流停滞 ", 0), 0u) << last.text;
  EXPECT_NE(last.text.find("evt-70"), std::string::npos);
}

TEST_F(NotifyDelivery, DingtalkRateLimitErrcodeHoldsTheSink) {
  FakeNotifyEndpoint endpoint(io, SinkType::dingtalk, std::string(kDingtalkSecret));
  endpoint.start();
  endpoint.pushFault(
      {.body = R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})"});
  auto c = sinkFor(endpoint, SinkType::dingtalk, "ops", std::string(kDingtalkSecret));
  c.throttle_pause = 400ms;
  append(2, 1);
  auto d = deliver(c);
  ASSERT_TRUE(finished("ops", 2));
  auto calls = endpoint.calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_GE(calls[1].at - calls[0].at, 390ms);
  EXPECT_EQ(d->stats().rate_limited, 1u);
  EXPECT_EQ(d->stats().last_error, "errcode 130101: send too fast, exceed 20 times per minute");
}

TEST_F(NotifyDelivery, FeishuAndWecomGetSignedCards) {
  FakeNotifyEndpoint feishu(io, SinkType::feishu, std::string(kFeishuSecret));
  FakeNotifyEndpoint wecom(io, SinkType::wecom, "");
  feishu.start();
  wecom.start();
  append(3, 3);
  auto f = deliver(sinkFor(feishu, SinkType::feishu, "fs", std::string(kFeishuSecret)));
  auto w = deliver(sinkFor(wecom, SinkType::wecom, "wc", ""));
  ASSERT_TRUE(finished("fs", 3));
  ASSERT_TRUE(finished("wc", 3));
  for (auto* endpoint : {&feishu, &wecom}) {
    auto calls = endpoint->calls();
    EXPECT_EQ(calls.size(), 3u);
    for (const auto& c : calls) EXPECT_TRUE(c.signature_ok && c.accepted) << c.body;
    EXPECT_EQ(markersIn(calls), (std::multiset<int>{0, 1, 2}));
  }
  EXPECT_NE(feishu.calls()[0].text.find("**建议话术**：亲您好"), std::string::npos);
}

TEST_F(NotifyDelivery, WrongSecretIsRetriedNotParked) {
  FakeNotifyEndpoint feishu(io, SinkType::feishu, std::string(kFeishuSecret));
  feishu.start();
  append(1, 1);
  auto c = sinkFor(feishu, SinkType::feishu, "fs", "not-the-secret");
  auto d = deliver(c);
  ASSERT_TRUE(test::runUntil(
      io, [&] { return feishu.callCount() >= 3; }, 5s, "three tries"));
  EXPECT_TRUE(outbox.parked("fs").empty());
  EXPECT_EQ(d->stats().last_error,
            "code 19021: sign match fail or timestamp is not within one hour from current time");
}

TEST_F(NotifyDelivery, FeishuBadRequestIsParked) {
  FakeNotifyEndpoint feishu(io, SinkType::feishu, "");
  feishu.start();
  feishu.pushFault({.body = R"({"code":9499,"msg":"Bad Request"})"});
  append(1, 1);
  auto d = deliver(sinkFor(feishu, SinkType::feishu, "fs", ""));
  ASSERT_TRUE(test::runUntil(
      io, [&] { return outbox.parked("fs").size() == 1; }, 5s, "parked"));
  EXPECT_EQ(outbox.parked("fs").at(1), "code 9499: Bad Request");
}

TEST_F(NotifyDelivery, ASlowEndpointDelaysNeitherOtherSinksNorTheLoop) {
  FakeNotifyEndpoint slow(io, SinkType::webhook, std::string(kWebhookSecret));
  FakeNotifyEndpoint fast(io, SinkType::wecom, "");
  slow.start();
  fast.start();
  slow.setStickyFault(NotifyFault{.delay = 3000ms});
  auto slowConfig = sinkFor(slow, SinkType::webhook, "slow", std::string(kWebhookSecret));
  slowConfig.timeout = 5000ms;
  append(5, 5);

  // A timer on the same loop stands in for polling and the control socket.
  boost::asio::steady_timer tick(io);
  auto last = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration worstGap{};
  std::function<void()> arm = [&] {
    tick.expires_after(20ms);
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto now = std::chrono::steady_clock::now();
      worstGap = std::max(worstGap, now - last);
      last = now;
      arm();
    });
  };
  arm();
  auto started = std::chrono::steady_clock::now();
  auto s = deliver(slowConfig);
  auto f = deliver(sinkFor(fast, SinkType::wecom, "fast", ""));
  ASSERT_TRUE(finished("fast", 5, 2500ms));  // the slow answers come at 3 s
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  EXPECT_TRUE(outbox.finished("slow").empty());
  EXPECT_EQ(s->stats().in_flight, 4u);  // bounded: the webhook default
  EXPECT_EQ(slow.callCount(), 4u);
  EXPECT_LT(worstGap, 500ms);  // generous for a loaded CI machine; typically ~20 ms
  tick.cancel();
  s->stop();
}

TEST_F(NotifyDelivery, AStopMidDeliveryLosesNothing) {
  // What kill -9 leaves: requests sent, some processed by the receiver, no
  // answer recorded. A new engine on the same outbox sends them again.
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  endpoint.setStickyFault(NotifyFault{.delay = 300ms});
  append(10, 10);
  auto d = deliver(sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret)));
  ASSERT_TRUE(test::runUntil(
      io, [&] { return endpoint.callCount() >= 4; }, 5s, "4 calls in flight"));
  d.reset();  // gone with its requests in flight
  endpoint.setStickyFault(std::nullopt);
  test::runUntil(
      io, [] { return false; }, 400ms, "the orphaned answers");
  EXPECT_TRUE(outbox.finished("crm").empty());

  auto again = deliver(sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret)));
  ASSERT_TRUE(finished("crm", 10));
  auto ids = endpoint.acceptedEventIds();
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 10u);
  EXPECT_GE(ids.size(), 14u) << "the 4 interrupted ones arrived twice";
  auto done = outbox.finished("crm");
  EXPECT_EQ(std::set<std::int64_t>(done.begin(), done.end()).size(), done.size());
}

TEST_F(NotifyDelivery, OutboxErrorsAreRetried) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  append(2, 2);
  outbox.failNextCalls(1);
  auto d = deliver(sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret)));
  ASSERT_TRUE(finished("crm", 2, 5s));
  EXPECT_EQ(d->stats().outbox_errors, 1u);
}

TEST_F(NotifyDelivery, FilteredEventsAreFinishedWithoutACall) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  auto c = sinkFor(endpoint, SinkType::webhook, "refusals", std::string(kWebhookSecret));
  c.kinds = {ExceptionKind::refused};
  append(3, 3);
  outbox.append(test::sampleEvent("YT9", 99, ExceptionKind::refused));
  auto d = deliver(c);
  ASSERT_TRUE(finished("refusals", 4));
  ASSERT_EQ(endpoint.callCount(), 1u);
  EXPECT_EQ(endpoint.calls()[0].event_id, "4");
  EXPECT_EQ(d->stats().filtered, 3u);
}

TEST_F(NotifyDelivery, NotifyTestReportsThePlatformsAnswer) {
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kWebhookSecret));
  endpoint.start();
  auto d = deliver(sinkFor(endpoint, SinkType::webhook, "crm", std::string(kWebhookSecret)));
  std::optional<Answer> got;
  d->sendTest([&](Answer a) { got = std::move(a); });
  ASSERT_TRUE(test::runUntil(
      io, [&] { return got.has_value(); }, 5s, "the test answer"));
  EXPECT_EQ(got->verdict, Verdict::delivered);
  ASSERT_EQ(endpoint.callCount(), 1u);
  EXPECT_EQ(endpoint.calls()[0].event_id.rfind("test-", 0), 0u);
  EXPECT_TRUE(endpoint.calls()[0].signature_ok);

  endpoint.pushFault({.status = 503});
  got.reset();
  d->sendTest([&](Answer a) { got = std::move(a); });
  ASSERT_TRUE(test::runUntil(
      io, [&] { return got.has_value(); }, 5s, "the test answer"));
  EXPECT_EQ(got->verdict, Verdict::retry);
  EXPECT_EQ(got->reason, "HTTP 503");
  EXPECT_TRUE(outbox.finished("crm").empty());
}
