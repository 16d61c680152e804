#include "notify/alert_event.h"

#include "common/time_format.h"

#include <boost/json/parse.hpp>

#include <array>

namespace pw::notify {

namespace {

constexpr std::array<std::pair<AlertEventName, std::string_view>, 7> kNames = {{
    {AlertEventName::task_raised, "task_raised"},
    {AlertEventName::task_updated, "task_updated"},
    {AlertEventName::task_closed, "task_closed"},
    {AlertEventName::exception_raised, "exception_raised"},
    {AlertEventName::exception_updated, "exception_updated"},
    {AlertEventName::exception_resolved, "exception_resolved"},
    {AlertEventName::test, "test"},
}};

namespace json = boost::json;

Result<std::string> stringField(const json::object& o, std::string_view key, bool required) {
  auto* v = o.if_contains(key);
  if (!v) {
    if (required)
      return makeError(ErrorCode::invalid_input, "field '" + std::string(key) + "': missing");
    return std::string();
  }
  if (!v->is_string())
    return makeError(ErrorCode::invalid_input, "field '" + std::string(key) + "': not a string");
  return std::string(v->get_string());
}

Result<std::optional<std::int64_t>> intField(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return std::optional<std::int64_t>();
  if (!v->is_int64())
    return makeError(ErrorCode::invalid_input, "field '" + std::string(key) + "': not an integer");
  return std::optional<std::int64_t>(v->get_int64());
}

Result<std::optional<Timestamp>> timeField(const json::object& o, std::string_view key,
                                           bool required) {
  auto s = stringField(o, key, required);
  if (!s) return s.error();
  if (s->empty()) return std::optional<Timestamp>();
  auto t = parseRfc3339(*s);
  if (!t)
    return makeError(ErrorCode::invalid_input,
                     "field '" + std::string(key) + "': " + t.error().message);
  return std::optional<Timestamp>(*t);
}

}  // namespace

std::string_view toString(AlertEventName name) {
  for (const auto& [n, text] : kNames)
    if (n == name) return text;
  return "unknown";
}

std::optional<AlertEventName> alertEventNameFromString(std::string_view text) {
  for (const auto& [n, t] : kNames)
    if (t == text) return n;
  return std::nullopt;
}

std::string eventId(const AlertEvent& e) {
  if (e.name == AlertEventName::test) return "test-" + std::to_string(e.seq);
  return std::to_string(e.seq);
}

json::object toJson(const AlertEvent& e) {
  json::object o;
  o["event_id"] = eventId(e);
  o["seq"] = e.seq;
  o["ts"] = formatRfc3339(e.occurred_at);
  o["event"] = toString(e.name);
  o["tracking_number"] = e.tracking_number;
  o["carrier"] = e.carrier;
  o["kind"] = toString(e.kind);
  if (e.exception_id) o["exception_id"] = *e.exception_id;
  if (e.task_id) o["task_id"] = *e.task_id;
  if (e.remedy) o["remedy"] = toString(*e.remedy);
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (!e.detail.empty()) o["detail"] = e.detail;
  if (!e.message.zh_cn.empty()) o["message"] = e.message.zh_cn;
  if (!e.message.en.empty()) o["message_en"] = e.message.en;
  if (e.created_at) o["created_at"] = formatRfc3339(*e.created_at);
  if (e.state) o["state"] = toString(*e.state);
  if (!e.outcome.empty()) o["outcome"] = e.outcome;
  return o;
}

Result<AlertEvent> alertEventFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return makeError(ErrorCode::invalid_input, "not JSON: " + ec.message());
  if (!v.is_object()) return makeError(ErrorCode::invalid_input, "not a JSON object");
  const auto& o = v.get_object();
  AlertEvent e;
  auto name = stringField(o, "event", true);
  if (!name) return name.error();
  auto n = alertEventNameFromString(*name);
  if (!n) return makeError(ErrorCode::invalid_input, "field 'event': unknown '" + *name + "'");
  e.name = *n;
  auto seq = intField(o, "seq");
  if (!seq) return seq.error();
  e.seq = seq->value_or(0);
  auto ts = timeField(o, "ts", true);
  if (!ts) return ts.error();
  e.occurred_at = **ts;
  auto tn = stringField(o, "tracking_number", true);
  if (!tn) return tn.error();
  e.tracking_number = std::move(*tn);
  auto carrier = stringField(o, "carrier", true);
  if (!carrier) return carrier.error();
  e.carrier = std::move(*carrier);
  auto kind = stringField(o, "kind", true);
  if (!kind) return kind.error();
  auto k = exceptionKindFromString(*kind);
  if (!k) return makeError(ErrorCode::invalid_input, "field 'kind': unknown '" + *kind + "'");
  e.kind = *k;
  auto exceptionId = intField(o, "exception_id");
  if (!exceptionId) return exceptionId.error();
  e.exception_id = *exceptionId;
  auto taskId = intField(o, "task_id");
  if (!taskId) return taskId.error();
  e.task_id = *taskId;
  auto remedy = stringField(o, "remedy", false);
  if (!remedy) return remedy.error();
  if (!remedy->empty()) {
    e.remedy = remedyFromString(*remedy);
    if (!e.remedy)
      return makeError(ErrorCode::invalid_input, "field 'remedy': unknown '" + *remedy + "'");
  }
  auto state = stringField(o, "state", false);
  if (!state) return state.error();
  if (!state->empty()) {
    e.state = taskStateFromString(*state);
    if (!e.state)
      return makeError(ErrorCode::invalid_input, "field 'state': unknown '" + *state + "'");
  }
  auto created = timeField(o, "created_at", false);
  if (!created) return created.error();
  e.created_at = *created;
  for (auto [key, field] :
       {std::pair{"reason", &e.reason}, std::pair{"detail", &e.detail},
        std::pair{"message", &e.message.zh_cn}, std::pair{"message_en", &e.message.en},
        std::pair{"outcome", &e.outcome}}) {
    auto s = stringField(o, key, false);
    if (!s) return s.error();
    *field = std::move(*s);
  }
  return e;
}

AlertEvent taskRaisedEvent(const NotificationTask& t, Timestamp at) {
  AlertEvent e;
  e.name = AlertEventName::task_raised;
  e.occurred_at = at;
  e.tracking_number = t.tracking_number;
  e.carrier = t.carrier;
  e.kind = t.kind;
  if (t.exception_id) e.exception_id = t.exception_id;
  e.task_id = t.id;
  e.detail = t.detail;
  e.remedy = t.suggestion.remedy;
  e.reason = t.suggestion.reason;
  e.message = t.message;
  e.created_at = t.created_at;
  return e;
}

AlertEvent taskUpdatedEvent(const NotificationTask& t, std::string outcome, Timestamp at) {
  AlertEvent e = taskRaisedEvent(t, at);
  e.name = AlertEventName::task_updated;
  e.state = t.state;
  e.outcome = std::move(outcome);
  return e;
}

AlertEvent taskClosedEvent(std::string trackingNumber, std::string carrier, std::int64_t taskId,
                           ExceptionKind kind, Timestamp at) {
  AlertEvent e;
  e.name = AlertEventName::task_closed;
  e.occurred_at = at;
  e.tracking_number = std::move(trackingNumber);
  e.carrier = std::move(carrier);
  e.kind = kind;
  e.task_id = taskId;
  e.state = TaskState::done;
  e.outcome = "the exception resolved on its own";
  return e;
}

AlertEvent exceptionRaisedEvent(const NotificationTask& t, Timestamp at) {
  AlertEvent e;
  e.name = AlertEventName::exception_raised;
  e.occurred_at = at;
  e.tracking_number = t.tracking_number;
  e.carrier = t.carrier;
  e.kind = t.kind;
  e.exception_id = t.exception_id;
  e.detail = t.detail;
  return e;
}

AlertEvent exceptionUpdatedEvent(std::string trackingNumber, std::string carrier,
                                 std::int64_t exceptionId, ExceptionKind kind, std::string detail,
                                 Timestamp at) {
  AlertEvent e;
  e.name = AlertEventName::exception_updated;
  e.occurred_at = at;
  e.tracking_number = std::move(trackingNumber);
  e.carrier = std::move(carrier);
  e.kind = kind;
  e.exception_id = exceptionId;
  e.detail = std::move(detail);
  return e;
}

AlertEvent exceptionResolvedEvent(std::string trackingNumber, std::string carrier,
                                  ExceptionKind kind, Timestamp at) {
  AlertEvent e;
  e.name = AlertEventName::exception_resolved;
  e.occurred_at = at;
  e.tracking_number = std::move(trackingNumber);
  e.carrier = std::move(carrier);
  e.kind = kind;
  return e;
}

AlertEvent testEvent(std::int64_t unixMillis) {
  AlertEvent e;
  e.seq = unixMillis;
  e.name = AlertEventName::test;
  e.occurred_at = std::chrono::floor<std::chrono::seconds>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(unixMillis)));
  e.tracking_number = "TEST000000000";
  e.carrier = "yuantong";
  e.kind = ExceptionKind::stalled;
  e.detail = "测试消息：parcelwatchctl notify-test（不是真实包裹）";
  e.remedy = Remedy::soothe_and_wait;
  e.reason = "这是一条测试消息，无需处理";
  e.message = {"亲您好，这是一条测试消息，请忽略。", "This is a test message; please ignore it."};
  return e;
}

}  // namespace pw::notify
