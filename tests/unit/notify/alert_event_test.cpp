#include "notify/alert_event.h"

#include "common/time_format.h"
#include "support/notify_test_util.h"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

using namespace pw;
using namespace pw::notify;

namespace {

NotificationTask sampleTask() {
  NotificationTask t;
  t.id = 12;
  t.exception_id = 7;
  t.tracking_number = "YT7400000000001";
  t.carrier = "yuantong";
  t.kind = ExceptionKind::stalled;
  t.suggestion = {Remedy::soothe_and_wait, "no scan for two days; reassure and wait"};
  t.message = {"亲您好……", "Hello ..."};
  t.created_at = parseRfc3339("2024-05-06T04:00:00Z").value();
  t.detail = "in transit, no new scan for 2d14h (threshold 2d)";
  return t;
}

Timestamp at() { return parseRfc3339("2024-05-06T04:00:05Z").value(); }

}  // namespace

TEST(NotifyAlertEvent, TaskRaisedJsonIsTheAlertLineWithEventIdAndSeq) {
  AlertEvent e = taskRaisedEvent(sampleTask(), at());
  e.seq = 42;
  auto o = toJson(e);
  EXPECT_EQ(
      boost::json::serialize(o),
      R"({"event_id":"42","seq":42,"ts":"2024-05-06T04:00:05Z","event":"task_raised",)"
      R"("tracking_number":"YT7400000000001","carrier":"yuantong","kind":"stalled",)"
      R"("exception_id":7,"task_id":12,"remedy":"soothe_and_wait",)"
      R"("reason":"no scan for two days; reassure and wait",)"
      R"x("detail":"in transit, no new scan for 2d14h (threshold 2d)",)x"
      R"("message":"亲您好……","message_en":"Hello ...","created_at":"2024-05-06T04:00:00Z"})");
}

TEST(NotifyAlertEvent, EachEventCarriesItsAlertLineFields) {
  auto fields = [](const AlertEvent& e) {
    std::vector<std::string> out;
    for (const auto& kv : toJson(e)) out.emplace_back(kv.key());
    return out;
  };
  using V = std::vector<std::string>;
  V common = {"event_id", "seq", "ts", "event", "tracking_number", "carrier", "kind"};
  auto with = [&](V extra) {
    V v = common;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  NotificationTask t = sampleTask();
  t.state = TaskState::acked;
  EXPECT_EQ(fields(taskUpdatedEvent(t, "called the buyer", at())),
            with({"exception_id", "task_id", "remedy", "reason", "detail", "message", "message_en",
                  "created_at", "state", "outcome"}));
  EXPECT_EQ(fields(taskClosedEvent("YT1", "yuantong", 12, ExceptionKind::stalled, at())),
            with({"task_id", "state", "outcome"}));
  EXPECT_EQ(fields(exceptionRaisedEvent(t, at())), with({"exception_id", "detail"}));
  EXPECT_EQ(fields(exceptionUpdatedEvent("YT1", "yuantong", 7, ExceptionKind::delivery_failed,
                                         "second failed attempt", at())),
            with({"exception_id", "detail"}));
  EXPECT_EQ(fields(exceptionResolvedEvent("YT1", "yuantong", ExceptionKind::stalled, at())),
            common);
}

TEST(NotifyAlertEvent, JsonRoundTrips) {
  NotificationTask t = sampleTask();
  t.state = TaskState::dismissed;
  for (AlertEvent e : {taskRaisedEvent(t, at()), taskUpdatedEvent(t, "duplicate", at()),
                       taskClosedEvent("YT1", "zhongtong", 3, ExceptionKind::refused, at()),
                       exceptionResolvedEvent("YT2", "yunda", ExceptionKind::returned, at())}) {
    e.seq = 9;
    auto back = alertEventFromJson(boost::json::serialize(toJson(e)));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(boost::json::serialize(toJson(*back)), boost::json::serialize(toJson(e)));
  }
}

TEST(NotifyAlertEvent, ParseNamesTheBadField) {
  EXPECT_EQ(alertEventFromJson("[1]").error().message, "not a JSON object");
  EXPECT_EQ(alertEventFromJson(R"({"event":"task_raised"})").error().message,
            "field 'ts': missing");
  EXPECT_EQ(alertEventFromJson(R"({"event":"party","ts":"2024-05-06T04:00:05Z"})").error().message,
            "field 'event': unknown 'party'");
  EXPECT_EQ(alertEventFromJson(R"({"event":"task_raised","ts":"2024-05-06T04:00:05Z",)"
                               R"("tracking_number":"YT1","carrier":"yuantong","kind":"late"})")
                .error()
                .message,
            "field 'kind': unknown 'late'");
}

TEST(NotifyAlertEvent, EventIdIsTheSeqOrTheTestStamp) {
  AlertEvent e;
  e.seq = 1234;
  EXPECT_EQ(eventId(e), "1234");
  EXPECT_EQ(eventId(testEvent(1700000000123)), "test-1700000000123");
}
