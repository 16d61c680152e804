#include "ctl_format.h"

#include <boost/json.hpp>

#include <cstdio>
#include <sstream>

namespace pw::ctl {
namespace json = boost::json;

namespace {

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

std::string field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? "" : text(it->value());
}

std::string counts(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object() || it->value().get_object().empty()) return "none";
  std::string out;
  for (const auto& kv : it->value().get_object())
    out += (out.empty() ? "" : ", ") + std::string(kv.key()) + " " + text(kv.value());
  return out;
}

std::string pad(std::string s, size_t width) {
  // Pads by bytes; tracking numbers, kinds and remedies are ASCII.
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string formatStatus(const json::value& args) {
  if (!args.is_object()) return "";
  const auto& o = args.get_object();
  std::ostringstream out;
  out << "version          " << field(o, "version") << "\n"
      << "uptime           " << field(o, "uptime") << "\n"
      << "parcels          " << field(o, "parcels") << " (" << counts(o, "parcels_by_stage")
      << ")\n"
      << "events           " << field(o, "events") << "\n"
      << "open exceptions  " << field(o, "open_exceptions") << " ("
      << counts(o, "open_exceptions_by_kind") << ")\n"
      << "tasks            " << counts(o, "tasks_by_state") << "\n"
      << "polling          " << field(o, "scheduled") << " scheduled, " << field(o, "due_now")
      << " due now, " << field(o, "in_flight") << " in flight\n"
      << "polls            " << field(o, "polls_ok") << " ok, " << field(o, "polls_no_result")
      << " no result yet, " << field(o, "polls_failed") << " failed; last latency "
      << field(o, "last_poll_latency_ms") << " ms\n"
      << "tasks raised     " << field(o, "tasks_raised") << " since start\n"
      << "pushes           " << field(o, "pushes") << " accepted since start\n";
  return out.str();
}

std::string formatTasks(const json::value& args) {
  if (!args.is_object() || !args.get_object().contains("tasks")) return "";
  const auto& tasks = args.at("tasks");
  if (!tasks.is_array() || tasks.get_array().empty()) return "no tasks\n";
  std::ostringstream out;
  out << pad("ID", 6) << pad("TRACKING", 20) << pad("KIND", 16) << pad("REMEDY", 17)
      << pad("STATE", 8) << "CREATED\n";
  for (const auto& t : tasks.get_array()) {
    if (!t.is_object()) continue;
    const auto& o = t.get_object();
    out << pad(field(o, "id"), 6) << pad(field(o, "tracking_number"), 20)
        << pad(field(o, "kind"), 16) << pad(field(o, "remedy"), 17) << pad(field(o, "state"), 8)
        << field(o, "created_at") << "\n"
        << "      " << field(o, "detail") << "\n"
        << "      " << field(o, "message") << "\n";
  }
  return out.str();
}

std::string formatParcel(const json::value& args) {
  if (!args.is_object()) return "";
  const auto& o = args.get_object();
  std::ostringstream out;
  if (auto p = o.if_contains("parcel"); p && p->is_object()) {
    const auto& po = p->get_object();
    out << field(po, "tracking_number") << "  " << field(po, "carrier") << "  "
        << field(po, "stage") << "\n";
    if (auto d = po.if_contains("destination"); d && d->is_object())
      out << "to " << field(d->get_object(), "province") << field(d->get_object(), "city")
          << field(d->get_object(), "district") << "  shipped " << field(po, "shipped_at") << "\n";
  }
  out << "\nevents:\n";
  if (auto e = o.if_contains("events"); e && e->is_array())
    for (const auto& ev : e->get_array())
      out << "  " << field(ev.get_object(), "local_time") << "  "
          << pad(field(ev.get_object(), "kind"), 25) << field(ev.get_object(), "description")
          << "\n";
  out << "\nexceptions:\n";
  if (auto x = o.if_contains("exceptions"); x && x->is_array())
    for (const auto& ex : x->get_array())
      out << "  " << pad(field(ex.get_object(), "kind"), 17)
          << (ex.get_object().at("open").as_bool() ? "open      " : "resolved  ")
          << field(ex.get_object(), "detail") << "\n";
  out << "\n" << formatTasks(args);
  return out.str();
}

std::string formatStats(const json::value& args) {
  if (!args.is_object()) return "";
  const auto& o = args.get_object();
  std::ostringstream out;
  out << "uptime           " << field(o, "uptime_seconds") << " s\n";
  out << "polls            carrier / outcome / count\n";
  if (auto polls = o.if_contains("polls"); polls && polls->is_object())
    for (const auto& c : polls->get_object())
      for (const auto& kv : c.value().as_object())
        out << "                 " << pad(std::string(c.key()), 12)
            << pad(std::string(kv.key()), 16) << text(kv.value()) << "\n";
  if (auto lat = o.if_contains("request_latency"); lat && lat->is_object())
    for (const auto& c : lat->get_object()) {
      const auto& h = c.value().as_object();
      char mean[32];
      std::snprintf(mean, sizeof mean, "%.1f", h.at("mean_ms").to_number<double>());
      out << "latency          " << pad(std::string(c.key()), 12) << "mean " << mean << " ms over "
          << text(h.at("count")) << " requests\n";
    }
  if (auto q = o.if_contains("queue"); q && q->is_object())
    out << "queue            scheduled " << field(q->get_object(), "scheduled") << ", due "
        << field(q->get_object(), "due") << ", in flight " << field(q->get_object(), "in_flight")
        << "\n";
  out << "parcels          " << counts(o, "parcels") << "\n";
  out << "open exceptions  " << counts(o, "open_exceptions") << "\n";
  out << "tasks            " << counts(o, "tasks") << "\n";
  out << "tasks raised     " << counts(o, "tasks_raised") << "\n";
  out << "pushes           " << counts(o, "pushes") << "\n";
  if (auto n = o.if_contains("notify"); n && n->is_object())
    for (const auto& s : n->get_object()) {
      const auto& v = s.value().as_object();
      char lag[32];
      std::snprintf(lag, sizeof lag, "%.2f",
                    v.at("delivery_lag").as_object().at("mean_seconds").to_number<double>());
      out << "notify           " << pad(std::string(s.key()), 16) << "delivered "
          << field(v, "delivered") << ", failed tries " << field(v, "failed_attempts")
          << ", parked " << field(v, "parked") << ", pending " << field(v, "pending")
          << ", mean lag " << lag << " s\n";
    }
  return out.str();
}

std::string formatOutbox(const json::value& args) {
  if (!args.is_object()) return "";
  const auto& o = args.get_object();
  std::ostringstream out;
  out << pad("sink", 20) << pad("backlog", 10) << pad("failing", 10) << pad("parked", 10)
      << "delivered through\n";
  if (auto s = o.if_contains("sinks"); s && s->is_array())
    for (const auto& v : s->get_array()) {
      const auto& k = v.as_object();
      std::string name = text(k.at("sink"));
      if (!k.at("configured").as_bool()) name += " (removed)";
      out << pad(name, 20) << pad(text(k.at("backlog")), 10) << pad(text(k.at("failing")), 10)
          << pad(text(k.at("parked")), 10) << text(k.at("delivered_through")) << "\n";
    }
  if (auto p = o.if_contains("parked"); p && p->is_array() && !p->get_array().empty()) {
    out << "\nparked events (parcelwatchctl outbox retry SINK re-queues them):\n";
    for (const auto& v : p->get_array()) {
      const auto& e = v.as_object();
      out << "  " << pad(text(e.at("sink")), 18) << "seq " << pad(text(e.at("seq")), 10)
          << pad(text(e.at("event")), 20) << text(e.at("error")) << "\n";
    }
  }
  return out.str();
}

}  // namespace pw::ctl
