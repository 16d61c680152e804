#pragma once
// How the SQLite store keeps alert-log lines in its outbox, and how it gives them back: every
// reader gets the line exactly as it was written, byte for byte, whichever form it is kept in.
//
// A row's `form` says how its payload holds the line:
//  0  the line itself (every row from before schema 11, and lines the forms below cannot
//     rebuild exactly);
//  1  the line without its leading "ts" and "event" members: `at` and `event` give them back;
//  2  a line of a task (task_raised, task_updated, and the exception_raised written with the
//     task) rebuilt by its record function (model/alert_record.h) from the task's own row,
//     found by `task_id`: the payload keeps only what that row does not (the carrier, which
//     can change on the parcel; a task_updated's state and outcome, which change again
//     later). The messages, the reason, the detail and the rest are read from the row, as
//     `tasks` shows them: a task's message, reason, kind, remedy, detail, exception and
//     created_at never change after insert (the exception's own detail does, so an
//     exception_raised line is rebuilt from the task's, which is the one it was raised with).
//     A task deleted while its lines are kept (its parcel untracked) leaves its fields in
//     those lines' payloads and their task_id becomes NULL (trigger, schema 11).
#include "common/clock.h"
#include "model/parcel_exception.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace SQLite {
class Statement;
}

namespace pw::store {

struct State;

/// A line as the outbox row keeps it.
struct StoredLine {
  int form = 0;
  std::string payload;
  std::optional<std::int64_t> task_id;
  /// The line itself, serialised (what the alert log writes).
  std::string line;
};

/// The stored form of `line`, written at `at`. `task`: the task of a task line, as its row
/// holds it (form 2 is taken only when rebuilding from such a row gives `line` exactly).
StoredLine storedLine(Timestamp at, std::string_view event, const boost::json::object& line,
                      const NotificationTask* task = nullptr);

/// The form-2 row of a line of a raised task (`event` exception_raised or task_raised), built
/// by the record function a reader rebuilds it with (rebuildTaskLine) from the same fields:
/// the same bytes by construction, so nothing is built twice to compare. `task.carrier` is
/// the one field kept in the payload.
StoredLine storedRaiseLine(Timestamp at, std::string_view event, const NotificationTask& task);

/// The fields of a task that form 2 reads from its row (or from the payload once the task is
/// gone): id, exception id, tracking number, kind, remedy and reason, detail, message,
/// created_at.
NotificationTask rowFieldsOf(const NotificationTask& task);

/// A form-2 line: `row` as rowFieldsOf gives it, `kept` the payload. None for an event form 2
/// does not know.
std::optional<std::string> rebuildTaskLine(Timestamp at, std::string_view event,
                                           NotificationTask row, const boost::json::object& kept);

/// Form 1: the line from its stored rest.
std::string withHead(Timestamp at, std::string_view event, std::string_view rest);

/// What a reader selects to get the line back (outboxLine), from `outbox o` with kOutboxJoins.
inline constexpr const char* kOutboxLineColumns =
    "o.at, o.event, o.form, o.payload, o.task_id, t.id, p.tracking_number, t.kind, t.remedy, "
    "t.reason_id, t.detail, t.template_id, t.facts, t.message_zh, t.message_en, t.created_at, "
    "t.exception_id";
inline constexpr const char* kOutboxJoins =
    " LEFT JOIN tasks t ON t.id = o.task_id LEFT JOIN parcels p ON p.id = t.parcel_id";

/// The line of the row `q` stands on, kOutboxLineColumns from column `first` on.
std::string outboxLine(State& s, SQLite::Statement& q, int first);

}  // namespace pw::store
