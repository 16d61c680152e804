// Delivery from the SQLite outbox: events committed by real store commits,
// read through StoreOutbox, sent with CurlHttpClient to a fake endpoint on
// 127.0.0.1 that fails in the ways real receivers do; the delivery is torn
// down mid-way and started again on a reopened store, as a restart would.
#include "notify/notify_service.h"
#include "notify/sink_delivery.h"
#include "notify/store_outbox.h"
#include "store/sqlite_store.h"

#include "net/curl_http_client.h"
#include "support/fake_notify_endpoint.h"
#include "support/fixtures.h"
#include "support/notify_test_util.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace pw;
using namespace pw::notify;
using namespace std::chrono_literals;
using test::at;
using test::FakeNotifyEndpoint;
using test::NotifyFault;

namespace {

// Far past every event these tests commit: pruning is held back by the sinks alone.
const pw::Timestamp kRetentionOver{pw::Seconds(4000000000)};

constexpr std::string_view kSecret = "webhook-secret-0123456789";

Issue stall() {
  Issue i;
  i.finding.kind = ExceptionKind::stalled;
  i.finding.since = at("2024-05-01T00:00:00Z");
  i.finding.threshold = std::chrono::hours(48);
  i.finding.elapsed = std::chrono::hours(50);
  i.finding.detail = "in transit, no new scan for 2d2h";
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲您好", "Hello"};
  return i;
}

struct OutboxDelivery : ::testing::Test {
  test::TempDir dir;
  boost::asio::io_context io;
  CurlHttpClient http{io, [] {
                        CurlLimits l;
                        l.connect_timeout = 1000ms;
                        l.total_timeout = 5000ms;
                        return l;
                      }()};
  SystemNotifyClock clock;
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  std::vector<std::int64_t> parcels;

  NotifySinkConfig sink(const FakeNotifyEndpoint& endpoint) {
    NotifySinkConfig c;
    c.name = "crm";
    c.type = SinkType::webhook;
    c.url = endpoint.url();
    c.secret = std::string(kSecret);
    c.events = {AlertEventName::task_raised,      AlertEventName::task_closed,
                AlertEventName::exception_raised, AlertEventName::exception_resolved,
                AlertEventName::task_updated,     AlertEventName::exception_updated};
    c.timeout = 1000ms;
    c.retry_initial = 20ms;
    c.retry_max_interval = 200ms;
    c.retry_for = 1min;
    return c;
  }

  // Each parcel: raised (2 events), then resolved and closed (2 more).
  void commitRound(Timestamp now, bool raise) {
    std::vector<CommitRequest> batch;
    for (auto id : parcels) {
      CommitRequest r;
      r.parcel_id = id;
      r.now = now;
      r.assess = [raise](const Parcel&, const Timeline&, const ClaimFacts&) {
        return Assessment{ParcelStage::in_transit,
                          raise ? std::vector<Issue>{stall()} : std::vector<Issue>{}};
      };
      batch.push_back(std::move(r));
    }
    for (const auto& r : store->commitBatch(batch).value()) ASSERT_TRUE(r);
  }

  std::int64_t backlog() {
    auto s = store->outboxSummary().value();
    return s.empty() ? -1 : s[0].backlog + s[0].failing + s[0].parked;
  }
};

TEST_F(OutboxDelivery, EveryCommittedEventReachesTheWebhookOnceByIdInOrderAcrossARestart) {
  for (int i = 0; i < 6; ++i)
    parcels.push_back(store
                          ->addParcel(test::sampleParcel("YT74000000" + std::to_string(10000 + i)),
                                      at("2024-05-01T00:00:00Z"))
                          .value()
                          .id);
  ASSERT_TRUE(store->setOutboxSinks({"crm"}));
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kSecret));
  endpoint.start();
  for (auto f : {NotifyFault{.status = 503}, NotifyFault{.status = 429},
                 NotifyFault{.drop_connection = true}, NotifyFault{.delay = 1500ms},
                 NotifyFault{.status = 500, .body = "oops"}, NotifyFault{.delay = 200ms}})
    endpoint.pushFault(f);

  commitRound(at("2024-05-04T00:00:00Z"), true);
  auto outbox = std::make_unique<StoreOutbox>(*store);
  auto d = std::make_unique<SinkDelivery>(io, http, *outbox, sink(endpoint), clock, 7);
  d->start();
  ASSERT_TRUE(test::runUntil(
      io, [&] { return endpoint.callCount() >= 4; }, 10s, "the first calls"));

  // A restart: the delivery goes away with answers in flight, the store is
  // reopened, events committed meanwhile wait in the outbox.
  d->stop();
  d.reset();
  outbox.reset();
  store.reset();
  store = SqliteStore::open(dir / "pw.db").value();
  commitRound(at("2024-05-05T00:00:00Z"), false);
  outbox = std::make_unique<StoreOutbox>(*store);
  d = std::make_unique<SinkDelivery>(io, http, *outbox, sink(endpoint), clock, 8);
  d->start();
  ASSERT_TRUE(test::runUntil(
      io, [&] { return backlog() == 0; }, 20s, "an empty backlog"));

  auto head = store->outboxHead().value();
  ASSERT_EQ(head, 24);  // 6 parcels x (exception_raised, task_raised, resolved, closed)
  std::set<std::string> want;
  for (std::int64_t seq = 1; seq <= head; ++seq) want.insert(std::to_string(seq));
  auto ids = endpoint.acceptedEventIds();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), want);

  // First acceptance per parcel in seq order, and a parcel's events in the
  // order they happened.
  std::map<std::string, std::vector<AlertEvent>> perParcel;
  std::set<std::int64_t> seen;
  for (const auto& e : endpoint.acceptedEvents())
    if (seen.insert(e.seq).second) perParcel[e.tracking_number].push_back(e);
  ASSERT_EQ(perParcel.size(), 6u);
  for (const auto& [parcel, events] : perParcel) {
    ASSERT_EQ(events.size(), 4u) << parcel;
    for (std::size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].seq, events[i].seq);
    EXPECT_EQ(events[0].name, AlertEventName::exception_raised);
    EXPECT_EQ(events[3].name, AlertEventName::task_closed);
  }
  for (const auto& c : endpoint.calls()) EXPECT_TRUE(c.signature_ok) << c.body;
  // Everything delivered is pruned; seq numbers go on from where they were.
  EXPECT_EQ(store->pruneOutbox(1000, kRetentionOver).value(), 24);
  EXPECT_EQ(store->outboxHead().value(), 24);
}

TEST_F(OutboxDelivery, NotifyServiceRetriesParkedEventsAndAnswersATest) {
  parcels.push_back(store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id);
  FakeNotifyEndpoint endpoint(io, SinkType::webhook, std::string(kSecret));
  endpoint.start();
  auto c = sink(endpoint);
  c.retry_for = 300ms;
  NotifyService service(io, *store, http, {c}, clock);
  ASSERT_TRUE(service.start());
  endpoint.setStickyFault(NotifyFault{.status = 503});
  commitRound(at("2024-05-04T00:00:00Z"), true);
  service.wake();
  ASSERT_TRUE(test::runUntil(
      io, [&] { return store->outboxSummary().value()[0].parked == 2; }, 10s, "2 parked"));
  EXPECT_NE(store->outboxParked("crm", 10).value()[0].error.find("503"), std::string::npos);
  endpoint.setStickyFault(std::nullopt);
  EXPECT_EQ(service.retry("crm").value(), 2);
  ASSERT_TRUE(test::runUntil(
      io, [&] { return backlog() == 0; }, 10s, "an empty backlog"));
  EXPECT_EQ(service.stats()[0].delivered, 2u);
  auto text = service.prometheusText();
  EXPECT_NE(text.find("parcelwatch_notify_events_total{sink=\"crm\",outcome=\"delivered\"} 2"),
            std::string::npos)
      << text;

  auto id = service.sendTest("crm").value();
  ASSERT_TRUE(test::runUntil(
      io, [&] { return service.testResult("crm") && service.testResult("crm")->done; }, 10s,
      "the test's answer"));
  EXPECT_EQ(service.testResult("crm")->id, id);
  EXPECT_EQ(service.testResult("crm")->answer.verdict, Verdict::delivered);
  EXPECT_FALSE(service.sendTest("nope"));
  service.stop();
}

// libcurl's error names the URL; a robot's URL is its credential.
TEST_F(OutboxDelivery, AnUnreachableRobotsTokenStaysOutOfErrors) {
  parcels.push_back(store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id);
  NotifySinkConfig c;
  c.name = "ding";
  c.type = SinkType::dingtalk;
  c.url = "http://127.0.0.1:9/robot/send?access_token=TOPSECRETTOKEN";  // nothing listens on 9
  c.events = {AlertEventName::task_raised};
  c.timeout = 1000ms;
  c.retry_initial = 20ms;
  c.retry_max_interval = 50ms;
  c.retry_for = 150ms;
  NotifyService service(io, *store, http, {c}, clock);
  ASSERT_TRUE(service.start());
  commitRound(at("2024-05-04T00:00:00Z"), true);
  service.wake();
  ASSERT_TRUE(test::runUntil(
      io, [&] { return store->outboxSummary().value()[0].parked == 1; }, 10s, "1 parked"));
  auto error = store->outboxParked("ding", 10).value()[0].error;
  EXPECT_EQ(error.find("TOPSECRETTOKEN"), std::string::npos) << error;
  EXPECT_NE(error.find("http://127.0.0.1:9/…"), std::string::npos) << error;
  EXPECT_EQ(service.stats()[0].last_error.find("TOPSECRETTOKEN"), std::string::npos);
  service.stop();
}

}  // namespace
