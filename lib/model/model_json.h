#pragma once
// JSON shapes shared by the control socket, the alert log and the analyzer, so
// one field is spelled the same everywhere.
#include "model/finding.h"
#include "model/parcel_exception.h"
#include "model/tracking_event.h"

#include <boost/json/object.hpp>

namespace pw {

boost::json::object eventToJson(const TrackingEvent& e);
boost::json::object findingToJson(const Finding& f);
boost::json::object taskToJson(const NotificationTask& t);

}  // namespace pw
