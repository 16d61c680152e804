#include "control/metrics.h"

#include "model/exception_kind.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace pw::control {
namespace {

// Every known stage, kind and state appears, at zero if need be, so a
// dashboard's series do not come and go.
template <class E>
std::map<std::string, std::int64_t> withZeros(const std::map<std::string, std::int64_t>& counts,
                                              E last) {
  std::map<std::string, std::int64_t> out;
  for (int i = 0; i <= static_cast<int>(last); ++i) out[std::string(toString(E(i)))] = 0;
  for (const auto& [k, v] : counts) out[k] = v;
  return out;
}

std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

struct Writer {
  std::string out;
  void head(std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void line(std::string_view name, std::string_view labels, double value) {
    out += fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels,
                       labels.empty() ? "" : "}", value);
  }
  void byLabel(std::string_view name, std::string_view type, std::string_view help,
               std::string_view labelName, const auto& map) {
    head(name, type, help);
    for (const auto& [k, v] : map)
      line(name, fmt::format("{}=\"{}\"", labelName, label(k)), static_cast<double>(v));
  }
};

}  // namespace

std::string prometheusText(const StatusReport& r, std::string_view version) {
  Writer w;
  w.head("parcelwatch_build_info", "gauge", "Version of the running daemon.");
  w.line("parcelwatch_build_info", fmt::format("version=\"{}\"", label(version)), 1);
  w.head("parcelwatch_uptime_seconds", "gauge", "Seconds since the daemon started.");
  w.line("parcelwatch_uptime_seconds", "", static_cast<double>(r.uptime.count()));
  // Which node answers: on a shared database the parcel, exception and task
  // counts below are the cluster's, the poll and push counters this node's.
  w.head("parcelwatch_node_info", "gauge", "The answering node and its store backend.");
  w.line("parcelwatch_node_info",
         fmt::format("node=\"{}\",backend=\"{}\"", label(r.node), label(r.backend)), 1);
  if (!r.node.empty()) {
    w.head("parcelwatch_leases_held", "gauge",
           "Due parcels this node has claimed from the shared queue and not yet settled.");
    w.line("parcelwatch_leases_held", "", static_cast<double>(r.leases_held));
  }

  w.head(
      "parcelwatch_polls_total", "counter",
      "Carrier queries by aggregator and outcome (ok, no_result, unknown_number, not_registered, "
      "rate_limited, http_error, bad_answer, transport_error, store_error).");
  for (const auto& [key, n] : r.counters.polls)
    w.line("parcelwatch_polls_total",
           fmt::format("carrier=\"{}\",outcome=\"{}\"", label(key.first), label(key.second)),
           static_cast<double>(n));

  w.head("parcelwatch_request_duration_seconds", "histogram",
         "Carrier request latency by aggregator.");
  for (const auto& [carrier, h] : r.counters.latency) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.kBounds.size(); ++i) {
      cumulative += h.buckets[i];
      w.line("parcelwatch_request_duration_seconds_bucket",
             fmt::format("carrier=\"{}\",le=\"{}\"", label(carrier), h.kBounds[i]),
             static_cast<double>(cumulative));
    }
    std::string c = fmt::format("carrier=\"{}\"", label(carrier));
    w.line("parcelwatch_request_duration_seconds_bucket", c + ",le=\"+Inf\"",
           static_cast<double>(h.count));
    w.line("parcelwatch_request_duration_seconds_sum", c, h.sum);
    w.line("parcelwatch_request_duration_seconds_count", c, static_cast<double>(h.count));
  }

  w.byLabel("parcelwatch_pushes_total", "counter", "Pushed histories accepted, by aggregator.",
            "source", r.counters.pushes_by_source);
  w.byLabel("parcelwatch_tasks_raised_total", "counter",
            "Buyer-notification tasks raised, by exception kind.", "kind",
            r.counters.tasks_raised_by_kind);
  w.byLabel("parcelwatch_exceptions_resolved_total", "counter",
            "Exceptions that cleared on their own, by kind.", "kind",
            r.counters.exceptions_resolved_by_kind);
  w.head("parcelwatch_alert_write_failures_total", "counter",
         "Alert-log writes that failed (the lines are replayed).");
  w.line("parcelwatch_alert_write_failures_total", "",
         static_cast<double>(r.counters.alert_write_failures));

  w.byLabel("parcelwatch_parcels", "gauge", "Parcels watched, by stage.", "stage",
            withZeros(r.counts.parcels_by_stage, ParcelStage::returned));
  w.byLabel("parcelwatch_open_exceptions", "gauge", "Open exceptions, by kind.", "kind",
            withZeros(r.counts.open_exceptions_by_kind, ExceptionKind::promise_at_risk));
  w.byLabel("parcelwatch_tasks", "gauge", "Buyer-notification tasks, by state.", "state",
            withZeros(r.counts.tasks_by_state, TaskState::dismissed));
  w.head("parcelwatch_events", "gauge", "Tracking events stored.");
  w.line("parcelwatch_events", "", static_cast<double>(r.counts.events));
  w.head("parcelwatch_queue_scheduled", "gauge", "Parcels in the poll schedule.");
  w.line("parcelwatch_queue_scheduled", "", static_cast<double>(r.scheduled));
  w.head("parcelwatch_queue_due", "gauge", "Scheduled parcels whose poll is due now (backlog).");
  w.line("parcelwatch_queue_due", "", static_cast<double>(r.due_now));
  w.head("parcelwatch_commit_transactions_total", "counter",
         "Transactions the poll and push results were committed in (results over transactions: "
         "the writer's batch size).");
  w.line("parcelwatch_commit_transactions_total", "", static_cast<double>(r.commit_transactions));
  w.head("parcelwatch_results_committed_total", "counter", "Poll and push results committed.");
  w.line("parcelwatch_results_committed_total", "", static_cast<double>(r.results_committed));
  w.head("parcelwatch_polls_in_flight", "gauge", "Parcels whose carrier answer is awaited.");
  w.line("parcelwatch_polls_in_flight", "", static_cast<double>(r.in_flight));
  w.head("parcelwatch_polls_deferred_total", "counter",
         "Polls the carriers' rules held back, by reason (min_gap, backoff, breaker_open, budget, "
         "rate).");
  for (const auto& [why, n] : r.scheduler.deferred)
    w.line("parcelwatch_polls_deferred_total", fmt::format("reason=\"{}\"", toString(why)),
           static_cast<double>(n));
  w.head("parcelwatch_breaker_open", "gauge",
         "1 while an aggregator's circuit breaker is open or half-open after repeated failures.");
  w.head("parcelwatch_aggregator_queries_24h", "gauge",
         "Queries sent to an aggregator in the last 24 hours (its daily budget counts these).");
  for (const auto& a : r.scheduler.aggregators) {
    w.line("parcelwatch_breaker_open", fmt::format("carrier=\"{}\"", label(a.aggregator)),
           a.breaker == BreakerState::closed ? 0.0 : 1.0);
    w.line("parcelwatch_aggregator_queries_24h", fmt::format("carrier=\"{}\"", label(a.aggregator)),
           static_cast<double>(a.queries_24h));
  }
  return w.out;
}

// What the scheduler held back and why, and each aggregator's breaker and
// 24-hour use: the answers to "why was this parcel not polled?".
boost::json::object scheduleJson(const SchedulerStats& s) {
  namespace json = boost::json;
  json::object deferred;
  for (const auto& [why, n] : s.deferred) deferred[toString(why)] = n;
  json::object aggregators;
  for (const auto& a : s.aggregators)
    aggregators[a.aggregator] = json::object{{"breaker", toString(a.breaker)},
                                             {"breaker_opened", a.breaker_opened},
                                             {"queries_24h", a.queries_24h},
                                             {"daily_budget", a.daily_budget}};
  return json::object{{"deferred", std::move(deferred)}, {"aggregators", std::move(aggregators)}};
}

boost::json::object statsJson(const StatusReport& r) {
  namespace json = boost::json;
  auto counts = [](const auto& m) {
    json::object o;
    for (const auto& [k, v] : m) o[k] = v;
    return o;
  };
  json::object polls;
  for (const auto& [key, n] : r.counters.polls) {
    auto& byCarrier = polls[key.first];
    if (!byCarrier.is_object()) byCarrier = json::object{};
    byCarrier.get_object()[key.second] = n;
  }
  json::object latency;
  for (const auto& [carrier, h] : r.counters.latency) {
    json::array buckets;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.kBounds.size(); ++i) {
      cumulative += h.buckets[i];
      buckets.push_back(json::object{{"le", h.kBounds[i]}, {"count", cumulative}});
    }
    latency[carrier] = json::object{{"count", h.count},
                                    {"mean_ms", h.count ? h.sum * 1000 / h.count : 0.0},
                                    {"buckets", std::move(buckets)}};
  }
  return json::object{
      {"uptime_seconds", r.uptime.count()},
      {"backend", r.backend},
      {"node", r.node},
      {"leases_held", r.leases_held},
      {"polls", std::move(polls)},
      {"request_latency", std::move(latency)},
      {"pushes", counts(r.counters.pushes_by_source)},
      {"tasks_raised", counts(r.counters.tasks_raised_by_kind)},
      {"exceptions_resolved", counts(r.counters.exceptions_resolved_by_kind)},
      {"alert_write_failures", r.counters.alert_write_failures},
      {"parcels", counts(withZeros(r.counts.parcels_by_stage, ParcelStage::returned))},
      {"open_exceptions",
       counts(withZeros(r.counts.open_exceptions_by_kind, ExceptionKind::promise_at_risk))},
      {"tasks", counts(withZeros(r.counts.tasks_by_state, TaskState::dismissed))},
      {"events", r.counts.events},
      {"queue",
       json::object{{"scheduled", r.scheduled}, {"due", r.due_now}, {"in_flight", r.in_flight}}},
      {"schedule", scheduleJson(r.scheduler)},
      {"commits",
       json::object{{"transactions", r.commit_transactions}, {"results", r.results_committed}}},
  };
}

}  // namespace pw::control
