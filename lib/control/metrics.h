#pragma once
// The daemon's figures for scraping: `parcelwatchctl stats` (JSON) and
// /metrics (Prometheus text exposition format 0.0.4). Both are built from one
// StatusReport, so they never disagree.
#include "polling/service_api.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace pw::control {

std::string prometheusText(const StatusReport& report, std::string_view version);
boost::json::object statsJson(const StatusReport& report);

}  // namespace pw::control
