#include "common/result.h"

namespace pw {

std::string_view toString(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input:
      return "invalid_input";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::transient:
      return "transient";
    case ErrorCode::carrier:
      return "carrier";
    case ErrorCode::no_result:
      return "no_result";
    case ErrorCode::io:
      return "io";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

void throw_exception_from_error(Error const& e, boost::source_location const&) {
  throw ErrorException(e);
}

}  // namespace pw
