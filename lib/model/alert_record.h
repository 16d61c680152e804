#pragma once
// The alert log's line format is a documented interface (README, "Alert log"):
// add fields, never rename or remove them.
#include "common/clock.h"
#include "model/parcel_exception.h"

#include <boost/json/object.hpp>

namespace pw {

boost::json::object taskRaisedRecord(const NotificationTask& task, Timestamp now);
boost::json::object exceptionRaisedRecord(const NotificationTask& task, Timestamp now);
/// An agent acked, did or dismissed a task: the task_raised fields with its new state and outcome.
boost::json::object taskUpdatedRecord(const NotificationTask& task, const std::string& outcome,
                                      Timestamp now);
boost::json::object exceptionUpdatedRecord(const std::string& trackingNumber,
                                           const std::string& carrier, std::int64_t exceptionId,
                                           ExceptionKind kind, const std::string& detail,
                                           Timestamp now);
boost::json::object taskClosedRecord(const std::string& trackingNumber, const std::string& carrier,
                                     std::int64_t taskId, ExceptionKind kind, Timestamp now);
boost::json::object exceptionResolvedRecord(const std::string& trackingNumber,
                                            const std::string& carrier, std::int64_t exceptionId,
                                            ExceptionKind kind, Timestamp now);

}  // namespace pw
