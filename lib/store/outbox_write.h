#pragma once
// Writing alert events into the outbox table inside the transaction that
// causes them (the SQLite twin of the PostgreSQL store's writeOutbox).
#include "common/clock.h"
#include "model/parcel_exception.h"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace pw::store {

struct State;

/// Appends one alert-log line to the outbox. Call it inside a write
/// transaction: the row commits, or rolls back, with the change it reports.
/// Returns the line serialised, as the alert log writes it.
std::string writeOutbox(State& s, Timestamp at, const boost::json::object& line);

/// The same for a task's line (task_raised, task_updated), `task` as its row holds it: kept
/// without what the row holds, which readers take from it again (outbox_lines.h).
std::string writeTaskLine(State& s, Timestamp at, const NotificationTask& task,
                          const boost::json::object& line);

/// A raise's line (`event` exception_raised or task_raised) of `task`, as taskRaisedRecord and
/// exceptionRaisedRecord (model/alert_record.h) give it, written in form 2 without building
/// it twice: the first answers of a poll round raise most of what the writer writes.
std::string writeRaiseLine(State& s, Timestamp at, std::string_view event,
                           const NotificationTask& task);

}  // namespace pw::store
