#pragma once
// The control channel's wire format (after ISC Kea): one JSON request per line,
//   {"command": "status", "arguments": {...}}
// and one JSON answer per line,
//   {"result": 0, "text": "...", "arguments": {...}}
// Result codes are an interface, documented in the README.
#include "common/result.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace pw::control {

enum Result_ : int {
  kSuccess = 0,
  kError = 1,
  kUnsupported = 2,  // unknown command
  kEmpty = 3,        // reserved: nothing to report
  kConflict = 4,     // cannot be done in the current state (e.g. shutting down)
  kDenied = 5,       // the caller may not run this command (see control.group)
};

/// Largest request line accepted; a `track` batch of ~1,000 parcels fits.
constexpr std::size_t kMaxRequestBytes = 1024 * 1024;

struct Request {
  std::string command;
  boost::json::object arguments;
};

struct Answer {
  int result = kSuccess;
  std::string text;
  boost::json::value arguments;  // null when there are none
};

Result<Request> parseRequest(std::string_view line);
std::string serializeRequest(const Request& request);
Result<Answer> parseAnswer(std::string_view line);
std::string serializeAnswer(const Answer& answer);

/// The first argument not in `known`, as an error text: a typo is never
/// silently ignored.
std::optional<std::string> unknownArgument(const boost::json::object& args,
                                           std::initializer_list<std::string_view> known);

inline Answer ok(std::string text, boost::json::value args = nullptr) {
  return Answer{kSuccess, std::move(text), std::move(args)};
}
inline Answer error(std::string text, boost::json::value args = nullptr) {
  return Answer{kError, std::move(text), std::move(args)};
}

}  // namespace pw::control
