#include "model/alert_record.h"

#include "common/time_format.h"

namespace pw {

boost::json::object taskRaisedRecord(const NotificationTask& t, Timestamp now) {
  return {
      {"ts", formatRfc3339(now)},
      {"event", "task_raised"},
      {"task_id", t.id},
      {"tracking_number", t.tracking_number},
      {"carrier", t.carrier},
      {"kind", toString(t.kind)},
      {"remedy", toString(t.suggestion.remedy)},
      {"reason", t.suggestion.reason},
      {"detail", t.detail},
      {"message", t.message.zh_cn},
      {"message_en", t.message.en},
      {"created_at", formatRfc3339(t.created_at)},
  };
}

boost::json::object taskUpdatedRecord(const NotificationTask& t, const std::string& outcome,
                                      Timestamp now) {
  auto record = taskRaisedRecord(t, now);
  record["event"] = "task_updated";
  record["outcome"] = outcome;
  record["state"] = toString(t.state);
  return record;
}

boost::json::object exceptionRaisedRecord(const NotificationTask& t, Timestamp now) {
  return {
      {"ts", formatRfc3339(now)},
      {"event", "exception_raised"},
      {"exception_id", t.exception_id},
      {"tracking_number", t.tracking_number},
      {"carrier", t.carrier},
      {"kind", toString(t.kind)},
      {"detail", t.detail},
  };
}

boost::json::object exceptionUpdatedRecord(const std::string& trackingNumber,
                                           const std::string& carrier, std::int64_t exceptionId,
                                           ExceptionKind kind, const std::string& detail,
                                           Timestamp now) {
  return {
      {"ts", formatRfc3339(now)},
      {"event", "exception_updated"},
      {"exception_id", exceptionId},
      {"tracking_number", trackingNumber},
      {"carrier", carrier},
      {"kind", toString(kind)},
      {"detail", detail},
  };
}

boost::json::object taskClosedRecord(const std::string& trackingNumber, const std::string& carrier,
                                     std::int64_t taskId, ExceptionKind kind, Timestamp now) {
  return {
      {"ts", formatRfc3339(now)}, {"event", "task_closed"},
      {"task_id", taskId},        {"tracking_number", trackingNumber},
      {"carrier", carrier},       {"kind", toString(kind)},
      {"state", "done"},          {"outcome", "the exception resolved on its own"},
  };
}

boost::json::object exceptionResolvedRecord(const std::string& trackingNumber,
                                            const std::string& carrier, std::int64_t exceptionId,
                                            ExceptionKind kind, Timestamp now) {
  return {
      {"ts", formatRfc3339(now)},    {"event", "exception_resolved"},
      {"exception_id", exceptionId}, {"tracking_number", trackingNumber},
      {"carrier", carrier},          {"kind", toString(kind)},
  };
}

}  // namespace pw
