#include "store/outbox_lines.h"

#include "common/time_format.h"
#include "model/alert_record.h"
#include "store/store_state.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace pw::store {
namespace json = boost::json;

namespace {

// `{"ts":"…","event":"…"`: how every alert-log line begins, as boost::json writes it.
std::string headOf(Timestamp at, std::string_view event) {
  std::string out = "{\"ts\":";
  out += json::serialize(json::string(formatRfc3339(at)));
  out += ",\"event\":";
  out += json::serialize(json::string(event));
  return out;
}

std::string textIn(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> intIn(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  json::error_code ec;
  auto n = v->to_number<std::int64_t>(ec);
  if (ec) return std::nullopt;
  return n;
}

std::optional<std::string> optionalText(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::string> optionalText(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::optional<std::int64_t> optionalInt(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

// Whether the line shows the task's message: an exception_raised line does not, and reading
// it then renders none (the writer checks its lines without it too, so a record that starts
// to show it is not kept in form 2 until this says so).
bool showsMessage(std::string_view event) { return event != "exception_raised"; }

// A task's fields as its row keeps them (or as a deleted task left them in the payload).
struct TaskColumns {
  std::int64_t id = 0, exception_id = 0;
  std::string tracking_number, kind, remedy, detail;
  std::int64_t reason_id = 0, created_at = 0;
  std::optional<std::int64_t> template_id;
  std::optional<std::string> facts, message_zh, message_en;
};

// As readTask (store.cpp) reads a task row.
NotificationTask taskOf(State& s, const TaskColumns& c, bool withMessage) {
  NotificationTask t;
  t.id = c.id;
  t.exception_id = c.exception_id;
  t.tracking_number = c.tracking_number;
  t.kind = exceptionKindFromString(c.kind).value_or(ExceptionKind::problem);
  t.suggestion.remedy = remedyFromString(c.remedy).value_or(Remedy::manual_review);
  t.suggestion.reason = s.dict.textOf(c.reason_id);
  if (!withMessage) {
    // Not shown: left empty.
  } else if (c.template_id) {
    auto m = renderMessage(templatesOf(s, *c.template_id), c.facts.value_or("[]"));
    if (!m) throw std::runtime_error(m.error().message);
    t.message = std::move(*m);
  } else {
    t.message = {c.message_zh.value_or(""), c.message_en.value_or("")};
  }
  t.detail = c.detail;
  t.created_at = Timestamp(Seconds(c.created_at));
  return t;
}

}  // namespace

NotificationTask rowFieldsOf(const NotificationTask& task) {
  NotificationTask t;
  t.id = task.id;
  t.exception_id = task.exception_id;
  t.tracking_number = task.tracking_number;
  t.kind = task.kind;
  t.suggestion = task.suggestion;
  t.detail = task.detail;
  t.message = task.message;
  t.created_at = task.created_at;
  return t;
}

namespace {

std::optional<json::object> rebuildTaskRecord(Timestamp at, std::string_view event,
                                              NotificationTask row, const json::object& kept) {
  row.carrier = textIn(kept, "carrier");
  if (event == "task_raised") return taskRaisedRecord(row, at);
  if (event == "exception_raised") return exceptionRaisedRecord(row, at);
  if (event == "task_updated") {
    auto state = taskStateFromString(textIn(kept, "state"));
    if (!state) return std::nullopt;
    row.state = *state;
    return taskUpdatedRecord(row, textIn(kept, "outcome"), at);
  }
  return std::nullopt;
}

// The same keys in the same order with equal values: the two serialise to the same bytes.
// Serialising the rebuilt record to compare it with the line cost the writer 1 % of its
// instructions in a first poll round.
bool sameInOrder(const json::object& a, const json::object& b) {
  if (a.size() != b.size()) return false;
  return std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
    return x.key() == y.key() && x.value() == y.value();
  });
}

}  // namespace

std::optional<std::string> rebuildTaskLine(Timestamp at, std::string_view event,
                                           NotificationTask row, const json::object& kept) {
  auto record = rebuildTaskRecord(at, event, std::move(row), kept);
  if (!record) return std::nullopt;
  return json::serialize(*record);
}

std::string withHead(Timestamp at, std::string_view event, std::string_view rest) {
  std::string out = headOf(at, event);
  if (rest.size() <= 2) return out + "}";  // "{}": nothing after the head
  out += ',';
  out += rest.substr(1);
  return out;
}

StoredLine storedLine(Timestamp at, std::string_view event, const json::object& line,
                      const NotificationTask* task) {
  std::string full = json::serialize(line);
  if (task) {
    json::object kept;
    for (std::string_view key : {"carrier", "outcome", "state"})
      if (const auto* v = line.if_contains(key)) kept[key] = *v;
    // Taken only if the row gives the line back exactly (a field added to a record that the
    // row does not hold falls back to the forms below).
    NotificationTask row = rowFieldsOf(*task);
    if (!showsMessage(event)) row.message = {};
    auto again = rebuildTaskRecord(at, event, std::move(row), kept);
    if (again && sameInOrder(*again, line))
      return {2, json::serialize(kept), task->id, std::move(full)};
  }
  std::string head = headOf(at, event);
  if (full.size() > head.size() && full.compare(0, head.size(), head) == 0) {
    char next = full[head.size()];
    if (next == '}') return {1, "{}", std::nullopt, std::move(full)};
    if (next == ',') return {1, "{" + full.substr(head.size() + 1), std::nullopt, std::move(full)};
  }
  return {0, full, std::nullopt, std::move(full)};
}

StoredLine storedRaiseLine(Timestamp at, std::string_view event, const NotificationTask& task) {
  // As rebuildTaskRecord builds them from the row's fields (rowFieldsOf) and the kept carrier.
  json::object record;
  if (event == "exception_raised")
    record = exceptionRaisedRecord(task, at);
  else if (event == "task_raised")
    record = taskRaisedRecord(task, at);
  else
    throw std::logic_error("not a raise's line: " + std::string(event));
  return {2, json::serialize(json::object{{"carrier", task.carrier}}), task.id,
          json::serialize(record)};
}

std::string outboxLine(State& s, SQLite::Statement& q, int first) {
  auto col = [&](int i) { return q.getColumn(first + i); };
  Timestamp at(Seconds(col(0).getInt64()));
  std::string event = col(1).getString();
  int form = col(2).getInt();
  std::string payload = col(3).getString();
  if (form == 1) return withHead(at, event, payload);
  if (form != 2) return payload;
  json::error_code ec;
  auto parsed = json::parse(payload, ec);
  // Damaged: given as it is, for the reader to refuse (a sink parks it).
  if (ec || !parsed.is_object()) return payload;
  const json::object& kept = parsed.as_object();
  TaskColumns c;
  if (!col(5).isNull()) {
    c.id = col(5).getInt64();
    c.tracking_number = col(6).getString();
    c.kind = col(7).getString();
    c.remedy = col(8).getString();
    c.reason_id = col(9).getInt64();
    c.detail = col(10).getString();
    c.template_id = optionalInt(col(11));
    c.facts = optionalText(col(12));
    c.message_zh = optionalText(col(13));
    c.message_en = optionalText(col(14));
    c.created_at = col(15).getInt64();
    c.exception_id = col(16).getInt64();
  } else if (auto id = intIn(kept, "task_id")) {
    // The task was deleted: the trigger left its fields here.
    c.id = *id;
    c.tracking_number = textIn(kept, "tracking_number");
    c.kind = textIn(kept, "kind");
    c.remedy = textIn(kept, "remedy");
    c.reason_id = intIn(kept, "reason_id").value_or(0);
    c.detail = textIn(kept, "detail");
    c.template_id = intIn(kept, "template_id");
    c.facts = optionalText(kept, "facts");
    c.message_zh = optionalText(kept, "message_zh");
    c.message_en = optionalText(kept, "message_en");
    c.created_at = intIn(kept, "created_at").value_or(0);
    c.exception_id = intIn(kept, "exception_id").value_or(0);
  } else {
    return withHead(at, event, payload);  // neither the task nor its fields: what is left
  }
  auto line = rebuildTaskLine(at, event, taskOf(s, c, showsMessage(event)), kept);
  return line ? std::move(*line) : withHead(at, event, payload);
}

}  // namespace pw::store
