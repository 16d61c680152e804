#include "control/service_commands.h"

#include "carriers/normalize.h"
#include "carriers/tracking_number.h"
#include "common/duration.h"
#include "common/time_format.h"
#include "control/metrics.h"
#include "model/model_json.h"
#include "model/parcel_json.h"

#include <boost/json.hpp>

namespace pw::control {
namespace json = boost::json;

namespace {

json::object countsToJson(const std::map<std::string, std::int64_t>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

json::object jobToJson(const JobProgress& j) {
  json::object o{{"running", j.running}, {"done", j.done}, {"total", j.total}};
  if (j.started_at) o["started_at"] = formatRfc3339(*j.started_at);
  if (j.finished_at) o["finished_at"] = formatRfc3339(*j.finished_at);
  if (!j.result.empty()) o["result"] = j.result;
  return o;
}

Answer status(ServiceApi& service, const std::string& version, const json::object& args) {
  if (auto bad = unknownArgument(args, {})) return error(*bad);
  auto r = service.status();
  if (!r) return error("status failed: " + r.error().message);
  std::int64_t parcels = 0;
  for (const auto& [k, v] : r->counts.parcels_by_stage) parcels += v;
  std::int64_t openExceptions = 0;
  for (const auto& [k, v] : r->counts.open_exceptions_by_kind) openExceptions += v;
  json::object a{
      {"version", version},
      {"uptime", formatDuration(r->uptime)},
      {"parcels", parcels},
      {"parcels_by_stage", countsToJson(r->counts.parcels_by_stage)},
      {"events", r->counts.events},
      {"open_exceptions", openExceptions},
      {"open_exceptions_by_kind", countsToJson(r->counts.open_exceptions_by_kind)},
      {"tasks_by_state", countsToJson(r->counts.tasks_by_state)},
      {"scheduled", r->scheduled},
      {"due_now", r->due_now},
      {"in_flight", r->in_flight},
      {"polls_ok", r->counters.pollsOk()},
      {"polls_no_result", r->counters.pollsNoResult()},
      {"polls_failed", r->counters.pollsFailed()},
      {"tasks_raised", r->counters.tasks_raised},
      {"pushes", r->counters.pushes},
      {"last_poll_latency_ms", r->counters.last_latency.count()},
      {"schedule_loading", r->schedule_loading},
      {"check", jobToJson(r->check)},
      {"backend", r->backend},
  };
  if (r->job.started_at) a[r->job_name] = jobToJson(r->job);
  std::string who = "parcelwatchd " + version;
  if (!r->node.empty()) {
    // Counts are the cluster's; polls, pushes and leases are this node's.
    a["node"] = r->node;
    a["leases_held"] = r->leases_held;
    who += " (node " + r->node + ")";
  }
  return ok(who + " running for " + formatDuration(r->uptime) + ": " + std::to_string(parcels) +
                " parcels, " + std::to_string(openExceptions) + " open exceptions" +
                (r->node.empty() ? "" : " in the cluster"),
            std::move(a));
}

Answer track(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {"parcels"})) return error(*bad);
  auto it = args.find("parcels");
  if (it == args.end() || !it->value().is_array())
    return error("track needs \"parcels\": an array of parcel objects");
  const auto& items = it->value().get_array();
  if (items.empty()) return error("track: \"parcels\" is empty");

  // Validate each item on its own: one bad parcel rejects only itself.
  std::vector<Parcel> valid;
  std::vector<json::object> results(items.size());
  std::vector<size_t> validIndex;
  for (size_t i = 0; i < items.size(); ++i) {
    auto p = parcelFromJson(items[i]);
    results[i]["index"] = i;
    if (!p) {
      results[i]["status"] = "rejected";
      results[i]["error"] = p.error().message;
      if (items[i].is_object())
        if (auto tn = items[i].get_object().find("tracking_number");
            tn != items[i].get_object().end() && tn->value().is_string())
          results[i]["tracking_number"] = tn->value().get_string();
      continue;
    }
    if (p->carrier.empty()) {
      auto candidates = guessCarriers(p->tracking_number);
      if (candidates.empty()) {
        results[i]["status"] = "rejected";
        results[i]["tracking_number"] = p->tracking_number;
        results[i]["error"] =
            "field 'carrier': missing, and no known carrier's format fits the number";
        continue;
      }
      p->carrier = candidates.front();
      results[i]["carrier_guessed"] = p->carrier;
    } else if (auto check = checkTrackingNumber(p->carrier, p->tracking_number); !check.plausible) {
      // Registered all the same: the detector raises invalid_number, and a
      // merchant may know better than our table.
      results[i]["warning"] = "number does not fit the carrier: " + check.reason;
    }
    normalizeDestination(*p);
    validIndex.push_back(i);
    valid.push_back(std::move(*p));
  }
  auto outcome = service.track(valid);
  size_t registered = 0, already = 0, rejected = items.size() - valid.size();
  for (size_t k = 0; k < outcome.size(); ++k) {
    auto& r = results[validIndex[k]];
    r["tracking_number"] = outcome[k].tracking_number;
    if (!outcome[k].ok) {
      r["status"] = "rejected";
      r["error"] = outcome[k].error;
      ++rejected;
    } else if (outcome[k].inserted) {
      r["status"] = "registered";
      ++registered;
    } else {
      r["status"] = "already_tracked";
      ++already;
    }
  }
  json::array arr;
  for (auto& r : results) arr.push_back(std::move(r));
  std::string text = "registered " + std::to_string(registered) + ", already tracked " +
                     std::to_string(already) + ", rejected " + std::to_string(rejected);
  Answer a{rejected ? kError : kSuccess, text, json::object{{"results", std::move(arr)}}};
  return a;
}

// "kind": an exception kind, if given.
std::optional<std::string> kindArg(const json::object& args, std::optional<ExceptionKind>& kind) {
  auto k = args.find("kind");
  if (k == args.end()) return std::nullopt;
  kind = k->value().is_string() ? exceptionKindFromString(k->value().get_string()) : std::nullopt;
  if (!kind) return "unknown exception kind in \"kind\"";
  return std::nullopt;
}

// rerun and reassess take the same selection: one parcel, a list, the
// parcels with an exception of a kind open, or every active parcel.
std::optional<std::string> selectionArg(const json::object& args, const char* command,
                                        RerunSelection& sel) {
  if (auto bad = unknownArgument(args, {"tracking_number", "tracking_numbers", "kind", "all"}))
    return bad;
  if (auto tn = args.find("tracking_number"); tn != args.end()) {
    if (!tn->value().is_string()) return "\"tracking_number\" must be a string";
    sel.tracking_numbers.emplace_back(tn->value().get_string());
  }
  if (auto list = args.find("tracking_numbers"); list != args.end()) {
    constexpr const char* kBad = "\"tracking_numbers\" must be a non-empty array of strings";
    if (!list->value().is_array() || list->value().get_array().empty()) return kBad;
    for (const auto& v : list->value().get_array()) {
      if (!v.is_string()) return kBad;
      sel.tracking_numbers.emplace_back(v.get_string());
    }
  }
  if (auto bad = kindArg(args, sel.kind)) return bad;
  if (auto all = args.find("all"); all != args.end()) {
    if (!all->value().is_bool()) return "\"all\" must be true or false";
    sel.all = all->value().get_bool();
  }
  int ways = (sel.tracking_numbers.empty() ? 0 : 1) + (sel.kind ? 1 : 0) + (sel.all ? 1 : 0);
  if (ways != 1)
    return std::string(command) +
           " needs one of \"tracking_number\", \"tracking_numbers\": [...], \"kind\" (parcels "
           "with that open exception) or \"all\": true";
  return std::nullopt;
}

Answer failed(const char* command, const Error& e) {
  int code = e.code == ErrorCode::conflict ? kConflict : kError;
  return Answer{code, std::string(command) + ": " + e.message, nullptr};
}

Answer rerun(ServiceApi& service, const json::object& args) {
  RerunSelection sel;
  if (auto bad = selectionArg(args, "rerun", sel)) return error(*bad);
  auto r = service.rerun(sel);
  if (!r) return failed("rerun", r.error());
  json::object a{{"queued", r->queued}, {"deferred", r->deferred}};
  std::string text;
  if (r->background > 0) {
    a["background"] = r->background;
    text = "rerun of " + std::to_string(r->background) +
           " parcel(s) started in the background: each is queried as soon as the carrier's rules "
           "allow (progress in status)";
  } else {
    text = "queued " + std::to_string(r->queued) + " parcel(s) for polling and detection now";
  }
  if (r->deferred > 0) {
    json::object why;
    std::string reasons;
    for (const auto& [reason, n] : r->reasons) {
      why[reason] = n;
      reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    }
    a["deferred_reasons"] = std::move(why);
    a["deferred_until"] = formatRfc3339(*r->deferred_until);
    text += "; " + std::to_string(r->deferred) + " deferred by the carrier's rules (" + reasons +
            ") until " + formatRfc3339(*r->deferred_until) + " at the latest";
  }
  return ok(text, std::move(a));
}

Answer reassess(ServiceApi& service, const json::object& args) {
  RerunSelection sel;
  if (auto bad = selectionArg(args, "reassess", sel)) return error(*bad);
  auto r = service.reassess(sel);
  if (!r) return failed("reassess", r.error());
  if (r->background > 0)
    return ok("reassessing " + std::to_string(r->background) +
                  " parcel(s) from their stored timelines in the background, no carrier query "
                  "(progress in status)",
              json::object{{"background", r->background}});
  return ok(
      "reassessed " + std::to_string(r->parcels) +
          " parcel(s) from their stored timelines: " + std::to_string(r->raised) +
          " exception(s) raised, " + std::to_string(r->resolved) + " resolved",
      json::object{{"parcels", r->parcels}, {"raised", r->raised}, {"resolved", r->resolved}});
}

Answer check(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {})) return error(*bad);
  auto r = service.check();
  if (!r) return failed("check", r.error());
  std::string text = r->running ? "integrity check running since " +
                                      formatRfc3339(r->started_at.value_or(Timestamp{})) +
                                      " (its own connection; the result appears in status)"
                                : "last integrity check: " + r->result;
  return ok(text, jobToJson(*r));
}

// A duration argument such as "48h"; nullopt with `err` set when malformed.
std::optional<Seconds> durationArg(const json::object& args, std::string_view name,
                                   std::string& err) {
  auto it = args.find(name);
  if (it == args.end()) return std::nullopt;
  if (!it->value().is_string()) {
    err = "\"" + std::string(name) + "\" must be a duration such as \"48h\"";
    return std::nullopt;
  }
  auto d = parseDuration(it->value().get_string());
  if (!d) {
    err = "\"" + std::string(name) + "\": " + d.error().message;
    return std::nullopt;
  }
  return *d;
}

// Paging for export and tasks: "after_id" and "limit".
std::optional<std::string> paging(const json::object& args, std::int64_t& afterId, int& limit) {
  if (auto a = args.find("after_id"); a != args.end()) {
    if (!a->value().is_int64() || a->value().get_int64() < 0)
      return "\"after_id\" must be a non-negative integer";
    afterId = a->value().get_int64();
  }
  if (auto l = args.find("limit"); l != args.end()) {
    if (!l->value().is_int64() || l->value().get_int64() < 1 || l->value().get_int64() > 100000)
      return "\"limit\" must be an integer from 1 to 100000";
    limit = static_cast<int>(l->value().get_int64());
  }
  return std::nullopt;
}

// The task filter shared by `tasks` and `export`.
std::optional<std::string> taskFilter(const json::object& args, Timestamp now, TaskFilter& f) {
  f.state = TaskState::open;
  if (auto s = args.find("state"); s != args.end()) {
    if (!s->value().is_string()) return "\"state\" must be a string";
    std::string state(s->value().get_string());
    if (state == "all")
      f.state.reset();
    else if (auto parsed = taskStateFromString(state))
      f.state = parsed;
    else
      return "unknown task state '" + state + "' (open, acked, done, dismissed, all)";
  }
  if (auto bad = kindArg(args, f.kind)) return bad;
  for (auto [name, field] :
       {std::pair{"tracking_number", &f.tracking_number}, std::pair{"carrier", &f.carrier}}) {
    if (auto t = args.find(name); t != args.end()) {
      if (!t->value().is_string()) return "\"" + std::string(name) + "\" must be a string";
      *field = std::string(t->value().get_string());
    }
  }
  std::string err;
  if (auto older = durationArg(args, "older_than", err)) f.created_before = now - *older;
  if (auto newer = durationArg(args, "newer_than", err)) f.created_after = now - *newer;
  if (!err.empty()) return err;
  return paging(args, f.after_id, f.limit);
}

const std::initializer_list<std::string_view> kTaskFilterArgs = {
    "state", "kind", "tracking_number", "carrier", "older_than", "newer_than", "after_id", "limit"};

Answer tasks(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, kTaskFilterArgs)) return error(*bad);
  TaskFilter f;
  if (auto bad = taskFilter(args, service.now(), f)) return error(*bad);
  auto r = service.tasks(f);
  if (!r) return error("tasks failed: " + r.error().message);
  json::array arr;
  for (const auto& t : *r) arr.push_back(taskToJson(t));
  return ok(std::to_string(r->size()) + " task(s)", json::object{{"tasks", std::move(arr)}});
}

json::object exceptionRecordToJson(const ExceptionRecord& r) {
  auto o = findingToJson(r.exception.finding);
  o["id"] = r.exception.id;
  o["tracking_number"] = r.tracking_number;
  o["carrier"] = r.carrier;
  o["open"] = r.exception.open;
  o["opened_at"] = formatRfc3339(r.exception.opened_at);
  if (r.exception.resolved_at) o["resolved_at"] = formatRfc3339(*r.exception.resolved_at);
  return o;
}

// Export in pages: {"what": "tasks"|"exceptions", filters, "after_id", "limit"};
// "next_after_id" in the answer continues, and is absent on the last page.
Answer exportRecords(ServiceApi& service, const json::object& args) {
  auto what = args.find("what");
  if (what == args.end() || !what->value().is_string() ||
      (what->value().get_string() != "tasks" && what->value().get_string() != "exceptions"))
    return error("export needs \"what\": \"tasks\" or \"exceptions\"");
  json::object rest = args;
  rest.erase("what");
  json::array records;
  std::int64_t lastId = 0;
  int limit = 0;
  if (what->value().get_string() == "tasks") {
    if (auto bad = unknownArgument(rest, kTaskFilterArgs)) return error(*bad);
    TaskFilter f;
    if (auto bad = taskFilter(rest, service.now(), f)) return error(*bad);
    if (!rest.contains("state")) f.state.reset();  // an export is of every state unless asked
    limit = f.limit;
    auto r = service.tasks(f);
    if (!r) return error("export failed: " + r.error().message);
    for (const auto& t : *r) {
      records.push_back(taskToJson(t));
      lastId = t.id;
    }
  } else {
    if (auto bad = unknownArgument(rest, {"open", "kind", "after_id", "limit"})) return error(*bad);
    ExceptionFilter f;
    if (auto o = rest.find("open"); o != rest.end()) {
      if (!o->value().is_bool()) return error("\"open\" must be true or false");
      f.open_only = o->value().get_bool();
    }
    if (auto bad = kindArg(rest, f.kind)) return error(*bad);
    if (auto bad = paging(rest, f.after_id, f.limit)) return error(*bad);
    limit = f.limit;
    auto r = service.exceptions(f);
    if (!r) return error("export failed: " + r.error().message);
    for (const auto& e : *r) {
      records.push_back(exceptionRecordToJson(e));
      lastId = e.exception.id;
    }
  }
  std::size_t n = records.size();
  json::object out{{"records", std::move(records)}};
  if (n == static_cast<std::size_t>(limit)) out["next_after_id"] = lastId;
  return ok(std::to_string(n) + " record(s)", std::move(out));
}

Answer stats(ServiceApi& service, const json::object& args,
             const std::function<void(json::object&)>& extra) {
  if (auto bad = unknownArgument(args, {})) return error(*bad);
  auto r = service.status();
  if (!r) return error("stats failed: " + r.error().message);
  std::uint64_t polls = 0;
  for (const auto& [k, n] : r->counters.polls) polls += n;
  auto data = statsJson(*r);
  if (extra) extra(data);
  return ok(std::to_string(polls) + " polls since start, " + std::to_string(r->due_now) +
                " due now, " + std::to_string(r->in_flight) + " in flight",
            std::move(data));
}

Answer claim(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {"tracking_number", "note"})) return error(*bad);
  auto tn = args.find("tracking_number");
  if (tn == args.end() || !tn->value().is_string() || tn->value().get_string().empty())
    return error("claim needs \"tracking_number\"");
  std::string note;
  if (auto n = args.find("note"); n != args.end()) {
    if (!n->value().is_string() || n->value().get_string().size() > 1000)
      return error("\"note\" must be a string of at most 1000 bytes");
    note = n->value().get_string();
  }
  auto r = service.claim(std::string(tn->value().get_string()), note);
  if (!r) return error("claim: " + r.error().message);
  return ok(
      "claim recorded; the buyer has " + std::to_string(*r) + " recent claim(s); parcel re-checked",
      json::object{{"buyer_claims", *r}});
}

Answer parcelDetails(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {"tracking_number"})) return error(*bad);
  auto tn = args.find("tracking_number");
  if (tn == args.end() || !tn->value().is_string())
    return error("parcel needs \"tracking_number\"");
  auto d = service.parcel(std::string(tn->value().get_string()));
  if (!d) return error("parcel: " + d.error().message);
  json::array events, exceptions, tasks;
  for (const auto& e : d->timeline) events.push_back(eventToJson(e));
  for (const auto& x : d->exceptions) {
    auto o = findingToJson(x.finding);
    o["id"] = x.id;
    o["open"] = x.open;
    o["opened_at"] = formatRfc3339(x.opened_at);
    if (x.resolved_at) o["resolved_at"] = formatRfc3339(*x.resolved_at);
    exceptions.push_back(std::move(o));
  }
  for (const auto& t : d->tasks) tasks.push_back(taskToJson(t));
  return ok(d->parcel.tracking_number + ": " + std::string(toString(d->parcel.stage)) + ", " +
                std::to_string(d->timeline.size()) + " events",
            json::object{{"parcel", parcelToJson(d->parcel)},
                         {"events", std::move(events)},
                         {"exceptions", std::move(exceptions)},
                         {"tasks", std::move(tasks)}});
}

Answer task(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {"id", "state", "outcome"})) return error(*bad);
  auto id = args.find("id");
  if (id == args.end() || !id->value().is_int64() || id->value().get_int64() < 1)
    return error("task needs \"id\": a task id");
  auto st = args.find("state");
  std::optional<TaskState> state;
  if (st != args.end() && st->value().is_string())
    state = taskStateFromString(st->value().get_string());
  if (!state || *state == TaskState::open)
    return error("task needs \"state\": acked, done or dismissed");
  std::string outcome;
  if (auto o = args.find("outcome"); o != args.end()) {
    if (!o->value().is_string() || o->value().get_string().size() > 1000)
      return error("\"outcome\" must be a string of at most 1000 bytes");
    outcome = o->value().get_string();
  }
  auto t = service.setTaskState(id->value().get_int64(), *state, outcome);
  if (!t) return error("task: " + t.error().message);
  return ok("task " + std::to_string(t->id) + " is " + std::string(toString(t->state)),
            json::object{{"task", taskToJson(*t)}});
}

Answer untrack(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {"tracking_number"})) return error(*bad);
  auto tn = args.find("tracking_number");
  if (tn == args.end() || !tn->value().is_string())
    return error("untrack needs \"tracking_number\"");
  if (auto r = service.untrack(std::string(tn->value().get_string())); !r)
    return error("untrack: " + r.error().message);
  return ok("no longer watching " + std::string(tn->value().get_string()));
}

}  // namespace

Answer nodes(ServiceApi& service, const json::object& args) {
  if (auto bad = unknownArgument(args, {})) return error(*bad);
  auto r = service.nodes();
  if (!r) return failed("nodes", r.error());
  json::array list;
  std::string text = std::to_string(r->size()) + " live node(s)";
  for (const auto& n : *r) {
    list.push_back(json::object{{"name", n.name},
                                {"started_at", formatRfc3339(n.started_at)},
                                {"last_heartbeat", formatRfc3339(n.last_heartbeat)},
                                {"leases_held", n.leases_held}});
    text += "\n  " + n.name + ": heartbeat " + formatRfc3339(n.last_heartbeat) + ", " +
            std::to_string(n.leases_held) + " lease(s)";
  }
  return ok(text, json::object{{"nodes", std::move(list)}});
}

void addServiceCommands(CommandRegistry& registry, ServiceApi& service, std::string version,
                        std::function<void(json::object&)> statsExtra) {
  auto add = [&](const char* name, const char* help, auto fn, Access access = Access::read) {
    registry.add(
        name, help, [&service, fn](const json::object& a) { return fn(service, a); }, access);
  };
  registry.add("status", "daemon state: parcels, exceptions, tasks, polling counters",
               [&service, version](const json::object& a) { return status(service, version, a); });
  registry.add("version", "the daemon's version", [version](const json::object& a) {
    if (auto bad = unknownArgument(a, {})) return error(*bad);
    return ok(version, json::object{{"version", version}});
  });
  registry.add(
      "stats",
      "counters and gauges: polls by carrier and outcome, latency, queue, notification "
      "sinks",
      [&service, statsExtra](const json::object& a) { return stats(service, a, statsExtra); });
  add("track", "register parcels: {\"parcels\": [parcel, ...]}", track, Access::change);
  add("untrack", "stop watching a parcel and forget it: {\"tracking_number\"}", untrack,
      Access::change);
  add("rerun",
      "poll and detect now: {\"tracking_number\"}, {\"tracking_numbers\": [...]}, "
      "{\"kind\": K} (parcels with that open exception) or {\"all\": true}",
      rerun, Access::change);
  add("reassess",
      "detection and remedies again over stored timelines with the current configuration, no "
      "carrier query: {\"tracking_number\"}, {\"tracking_numbers\": [...]}, {\"kind\": K} or "
      "{\"all\": true} (kind and all run in the background)",
      reassess, Access::change);
  add("check",
      "start the database's integrity check (PRAGMA quick_check, and rows whose parcel or "
      "exception is gone) in the background; its result appears in status",
      check, Access::change);
  add("parcel", "one parcel: timeline, exceptions, tasks: {\"tracking_number\"}", parcelDetails);
  add("nodes", "a shared PostgreSQL database's live nodes: last heartbeat and leases held by each",
      nodes);
  add("tasks",
      "list tasks: {\"state\": open|acked|done|dismissed|all, \"kind\", \"carrier\", "
      "\"tracking_number\", \"older_than\": \"48h\", \"newer_than\", \"limit\"}",
      tasks);
  add("task", "act on a task: {\"id\", \"state\": acked|done|dismissed, \"outcome\"}", task,
      Access::change);
  add("claim", "record a buyer's \"not received\" report: {\"tracking_number\", \"note\"}", claim,
      Access::change);
  add("export",
      "tasks or exceptions as records, in pages: {\"what\": tasks|exceptions, filters, "
      "\"after_id\", \"limit\"}",
      exportRecords);
}

}  // namespace pw::control
