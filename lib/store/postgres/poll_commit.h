#pragma once
// One poll or push result applied inside an open transaction: merge the events, assess the
// merged timeline, reconcile exceptions and tasks, move the parcel in the due queue. The alert
// events it causes are returned, not written: the caller writes them to the outbox at the end of
// its transaction, so the outbox lock is held as briefly as possible.
#include "store/postgres/cluster_types.h"
#include "store/store.h"

#include <boost/json/object.hpp>

#include <cstddef>
#include <vector>

namespace pqxx {
class transaction_base;
}

namespace pw::pg {

struct CommitResult {
  PollOutcome outcome;
  std::vector<boost::json::object> alerts;  // in alert-log order
};

/// Throws (libpqxx, the assessment's own exceptions, ErrorException for a missing parcel).
/// Events over `eventCap` are dropped as the SQLite store drops them.
CommitResult commitOne(pqxx::transaction_base& tx, const CommitRequest& request,
                       std::size_t eventCap);

}  // namespace pw::pg
