#pragma once
// Expected failures (bad input, carrier errors, I/O) travel as values; exceptions
// are kept for programming errors and start-up failures. GCC 12 has no
// std::expected, Boost 1.81's result<T, E> is the same idea and already a dependency.
#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace pw {

enum class ErrorCode {
  invalid_input,  // the caller's data is wrong; retrying will not help
  not_found,
  conflict,
  transient,       // network, timeouts, 5xx, 429: worth retrying later
  carrier,         // the carrier answered with an error of its own
  no_result,       // the carrier knows nothing of this number (yet)
  not_registered,  // the aggregator must be told about the number first
  io,              // local storage or file system
  permission,      // the OS or the daemon refused the caller
  internal,
};

std::string_view toString(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

/// Called by result<T, Error>::value() on an error; it throws pw::ErrorException.
[[noreturn]] void throw_exception_from_error(Error const& e, boost::source_location const& loc);

class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace pw
