#pragma once
// Human-readable renderings of control answers for parcelwatchctl.
#include <boost/json/value.hpp>

#include <string>

namespace pw::ctl {

std::string formatStatus(const boost::json::value& arguments);
std::string formatTasks(const boost::json::value& arguments);
std::string formatParcel(const boost::json::value& arguments);
std::string formatStats(const boost::json::value& arguments);
std::string formatOutbox(const boost::json::value& arguments);

}  // namespace pw::ctl
