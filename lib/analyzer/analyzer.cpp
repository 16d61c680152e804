#include "analyzer/analyzer.h"

#include "analyzer/case_file.h"
#include "common/time_format.h"
#include "model/model_json.h"

#include <boost/json.hpp>

namespace pw {
namespace json = boost::json;

std::string_view severityOf(ExceptionKind kind) {
  switch (kind) {
    case ExceptionKind::false_signed:
    case ExceptionKind::misrouted:
    case ExceptionKind::refused:
    case ExceptionKind::returned:
    case ExceptionKind::invalid_number:
    case ExceptionKind::problem:
      return "high";
    case ExceptionKind::stalled:
    case ExceptionKind::delivery_failed:
    case ExceptionKind::delivery_overdue:
    case ExceptionKind::customs_hold:
    case ExceptionKind::promise_at_risk:
    case ExceptionKind::not_picked_up:
      return "medium";
    case ExceptionKind::pickup_overdue:
    case ExceptionKind::proxy_signed:
      return "low";
  }
  return "medium";
}

json::object issueToJson(const Issue& issue) {
  json::array evidence;
  for (const auto& e : issue.finding.evidence) evidence.push_back(eventToJson(e));
  return json::object{
      {"kind", toString(issue.finding.kind)},
      {"since", formatRfc3339(issue.finding.since)},
      {"severity", severityOf(issue.finding.kind)},
      {"detail", issue.finding.detail},
      {"evidence", std::move(evidence)},
      {"remedy", toString(issue.suggestion.remedy)},
      {"reason", issue.suggestion.reason},
      {"message", json::object{{"zh-CN", issue.message.zh_cn}, {"en", issue.message.en}}},
  };
}

Result<json::object> analyzeCase(std::string_view caseJson, const Config& config) {
  auto c = loadCase(caseJson, config);
  if (!c) return c.error();
  Assessment a = assess(c->parcel, c->snapshot.events, c->context, config.rules, c->as_of);
  json::array events;
  for (const auto& e : c->snapshot.events) events.push_back(eventToJson(e));
  json::array exceptions;
  for (const auto& issue : a.issues) exceptions.push_back(issueToJson(issue));
  json::array warnings;
  for (const auto& w : c->snapshot.warnings) warnings.push_back(json::string(w));
  return json::object{{"tracking_number", c->parcel.tracking_number},
                      {"carrier", c->parcel.carrier},
                      {"as_of", formatRfc3339(c->as_of)},
                      {"state", toString(a.stage)},
                      {"events", std::move(events)},
                      {"exceptions", std::move(exceptions)},
                      {"warnings", std::move(warnings)}};
}

}  // namespace pw
