#pragma once
// One row of the notification outbox: an alert-log event as it was committed,
// with the outbox's sequence number. Its JSON (toJson) is the webhook body:
// the alert-log line's fields for that event (README "Alert log") plus
// `event_id` and `seq`, so a receiver that already reads the alert log reads
// this too. Fields are added over time, never renamed or removed.
#include "common/clock.h"
#include "common/result.h"
#include "model/exception_kind.h"
#include "model/parcel_exception.h"
#include "model/remedy.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pw::notify {

enum class AlertEventName {
  task_raised,
  task_updated,
  task_closed,
  exception_raised,
  exception_updated,
  exception_resolved,
  test,  // only from `parcelwatchctl notify-test`; never in the outbox
};

std::string_view toString(AlertEventName name);
std::optional<AlertEventName> alertEventNameFromString(std::string_view text);

struct AlertEvent {
  std::int64_t seq = 0;  // the outbox's, increasing in commit order
  AlertEventName name = AlertEventName::task_raised;
  Timestamp occurred_at;  // when its transaction committed (the alert line's `ts`)
  std::string tracking_number;
  std::string carrier;
  ExceptionKind kind = ExceptionKind::problem;
  std::optional<std::int64_t> exception_id;
  std::optional<std::int64_t> task_id;
  std::string detail;
  std::optional<Remedy> remedy;
  std::string reason;
  Message message;  // suggested buyer message, zh-CN and en
  std::optional<Timestamp> created_at;
  std::optional<TaskState> state;
  std::string outcome;
};

/// Stable across retries and restarts; receivers de-duplicate on it. The seq
/// as decimal text ("test-<seq>" for a test event, whose seq is its time in ms).
std::string eventId(const AlertEvent& event);

/// The webhook body. Optional fields appear only when set, strings only when
/// not empty.
boost::json::object toJson(const AlertEvent& event);
/// The inverse, for the outbox's payload column and for receivers in tests.
Result<AlertEvent> alertEventFromJson(std::string_view text);

// The same events the alert log writes (polling/alert_record.h), as values.
AlertEvent taskRaisedEvent(const NotificationTask& task, Timestamp at);
AlertEvent taskUpdatedEvent(const NotificationTask& task, std::string outcome, Timestamp at);
AlertEvent taskClosedEvent(std::string trackingNumber, std::string carrier, std::int64_t taskId,
                           ExceptionKind kind, Timestamp at);
AlertEvent exceptionRaisedEvent(const NotificationTask& task, Timestamp at);
AlertEvent exceptionUpdatedEvent(std::string trackingNumber, std::string carrier,
                                 std::int64_t exceptionId, ExceptionKind kind, std::string detail,
                                 Timestamp at);
AlertEvent exceptionResolvedEvent(std::string trackingNumber, std::string carrier,
                                  ExceptionKind kind, Timestamp at);
/// What `parcelwatchctl notify-test` sends: a made-up parcel, plainly marked.
AlertEvent testEvent(std::int64_t unixMillis);

}  // namespace pw::notify
