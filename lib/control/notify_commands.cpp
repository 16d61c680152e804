#include "control/notify_commands.h"

namespace pw::control {

namespace json = boost::json;

namespace {

std::optional<std::string> sinkArg(const json::object& args, std::string& sink, bool required) {
  auto it = args.find("sink");
  if (it == args.end()) {
    if (required) return "needs \"sink\": a sink's name";
    return std::nullopt;
  }
  if (!it->value().is_string()) return "\"sink\" must be a string";
  sink = it->value().get_string();
  return std::nullopt;
}

Answer outbox(notify::NotifyService& n, const json::object& args) {
  if (auto bad = unknownArgument(args, {"sink", "limit"})) return error(*bad);
  std::string sink;
  if (auto bad = sinkArg(args, sink, false)) return error("outbox " + *bad);
  int limit = 50;
  if (auto l = args.find("limit"); l != args.end()) {
    if (!l->value().is_int64() || l->value().get_int64() < 1 || l->value().get_int64() > 1000)
      return error("\"limit\" must be between 1 and 1000");
    limit = static_cast<int>(l->value().get_int64());
  }
  auto summary = n.summary();
  if (!summary) return error("outbox: " + summary.error().message);
  auto parked = n.parked(sink, limit);
  if (!parked) return error("outbox: " + parked.error().message);
  json::array sinks, events;
  std::int64_t backlog = 0, parkedCount = 0;
  for (const auto& s : *summary) {
    if (!sink.empty() && s.sink != sink) continue;
    backlog += s.backlog;
    parkedCount += s.parked;
    sinks.push_back(json::object{{"sink", s.sink},
                                 {"configured", n.has(s.sink)},
                                 {"delivered_through", s.delivered_through},
                                 {"backlog", s.backlog},
                                 {"failing", s.failing},
                                 {"parked", s.parked}});
  }
  for (const auto& p : *parked)
    events.push_back(
        json::object{{"sink", p.sink}, {"seq", p.seq}, {"event", p.event}, {"error", p.error}});
  return ok(std::to_string(sinks.size()) + " sink(s), " + std::to_string(backlog) +
                " event(s) waiting, " + std::to_string(parkedCount) + " parked",
            json::object{{"sinks", std::move(sinks)}, {"parked", std::move(events)}});
}

Answer retry(notify::NotifyService& n, const json::object& args) {
  if (auto bad = unknownArgument(args, {"sink"})) return error(*bad);
  std::string sink;
  if (auto bad = sinkArg(args, sink, true)) return error("outbox-retry " + *bad);
  auto r = n.retry(sink);
  if (!r) return error("outbox-retry: " + r.error().message);
  return ok(std::to_string(*r) + " parked event(s) of " + sink + " re-queued",
            json::object{{"requeued", *r}});
}

Answer test(notify::NotifyService& n, const json::object& args) {
  if (auto bad = unknownArgument(args, {"sink", "test_id"})) return error(*bad);
  std::string sink;
  if (auto bad = sinkArg(args, sink, true)) return error("notify-test " + *bad);
  // The send is asynchronous and a handler answers at once: the first call
  // starts it, parcelwatchctl then asks with the test_id until it is done.
  if (auto id = args.find("test_id"); id != args.end()) {
    if (!id->value().is_int64()) return error("\"test_id\" must be an integer");
    auto t = n.testResult(sink);
    if (!t || t->id != static_cast<std::uint64_t>(id->value().get_int64()))
      return error("notify-test: no such test for " + sink);
    if (!t->done) return ok("waiting", json::object{{"done", false}});
    bool delivered = t->answer.verdict == notify::Verdict::delivered;
    json::object data{{"done", true},
                      {"verdict", notify::toString(t->answer.verdict)},
                      {"http_status", t->answer.http_status},
                      {"answer", t->answer.reason}};
    std::string text = sink + ": " + std::string(notify::toString(t->answer.verdict)) +
                       (t->answer.reason.empty() ? "" : " (" + t->answer.reason + ")");
    return delivered ? ok(text, std::move(data)) : error(text, std::move(data));
  }
  auto id = n.sendTest(sink);
  if (!id) return error("notify-test: " + id.error().message);
  return ok("test event sent to " + sink,
            json::object{{"test_id", static_cast<std::int64_t>(*id)}, {"done", false}});
}

}  // namespace

void addNotifyCommands(CommandRegistry& registry, notify::NotifyService& notify) {
  registry.add(
      "outbox",
      "notification outbox per sink: backlog, failing, parked events: {\"sink\", \"limit\"}",
      [&notify](const json::object& a) { return outbox(notify, a); });
  registry.add(
      "outbox-retry", "re-queue a sink's parked events: {\"sink\"}",
      [&notify](const json::object& a) { return retry(notify, a); }, Access::change);
  registry.add(
      "notify-test",
      "send a sample task to a sink now, outside the outbox: {\"sink\"}; then {\"sink\", "
      "\"test_id\"} gives the platform's answer",
      [&notify](const json::object& a) { return test(notify, a); }, Access::change);
}

}  // namespace pw::control
