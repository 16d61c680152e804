#pragma once
// Writing alert events into the outbox table, in the transaction that caused them.
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <vector>

namespace pqxx {
class transaction_base;
}

namespace pw::pg {

struct PendingAlert {
  Timestamp at;
  boost::json::object line;  // the alert-log line; its "event" names the row's event
};

/// Takes the outbox lock (held until the transaction ends) and inserts the alerts in order.
/// Call it last in a transaction: sequence numbers are then handed out in commit order, and the
/// lock is held only for the inserts and the commit. Does nothing for no alerts.
void writeOutbox(pqxx::transaction_base& tx, const std::vector<PendingAlert>& alerts);

}  // namespace pw::pg
