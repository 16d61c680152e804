#include "polling/alert_record.h"

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

boost::json::object exceptionResolvedRecord(const std::string& trackingNumber,
                                            const std::string& carrier, ExceptionKind kind,
                                            Timestamp now) {
  return {
      {"ts", formatRfc3339(now)},
      {"event", "exception_resolved"},
      {"tracking_number", trackingNumber},
      {"carrier", carrier},
      {"kind", toString(kind)},
  };
}

}  // namespace pw
