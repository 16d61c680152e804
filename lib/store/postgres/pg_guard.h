#pragma once
// libpqxx reports every failure by throwing; this is the one place that turns them into
// values, so nothing leaves the PostgreSQL store as an exception.
#include "common/result.h"

#include <pqxx/except>

#include <string>
#include <string_view>

namespace pw::pg {

/// Maps what libpqxx (or the code run inside a transaction) threw to an Error.
/// A lost connection and a transaction the server rolled back (deadlock, serialization) are
/// `transient`; a violated unique constraint is a `conflict`; the rest is `io` or `internal`.
Error errorFromCurrentException(std::string_view what);

/// Transactions the server rolled back to break a deadlock or a serialization conflict are run
/// again: the work is the same and the other transaction has finished by then.
inline constexpr int kAttempts = 3;

/// Runs `f` (which opens and commits its own transaction) and returns its result, retrying the
/// whole of it when the server rolled it back.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const pqxx::transaction_rollback&) {
      if (attempt == kAttempts) return errorFromCurrentException(what);
    } catch (...) {
      return errorFromCurrentException(what);
    }
  }
}

}  // namespace pw::pg
