#include "analyzer/analyzer.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/normalize.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "carriers/tracking_number.h"
#include "common/time_format.h"
#include "model/model_json.h"
#include "model/parcel_json.h"
#include "remedies/assessor.h"

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

Result<json::object> analyzeCase(std::string_view caseJson, const Config& config) {
  auto bad = [](const std::string& field, const std::string& what) {
    return makeError(ErrorCode::invalid_input, "field '" + field + "': " + what);
  };
  boost::system::error_code ec;
  json::value root = json::parse(caseJson, ec);
  if (ec) return makeError(ErrorCode::invalid_input, "not JSON: " + ec.message());
  if (!root.is_object()) return makeError(ErrorCode::invalid_input, "a case must be a JSON object");
  const auto& o = root.get_object();

  auto parcelField = o.find("parcel");
  if (parcelField == o.end()) return bad("parcel", "missing");
  auto parcel = parcelFromJson(parcelField->value());
  if (!parcel) return bad("parcel", parcel.error().message);
  if (parcel->carrier.empty()) {
    auto guesses = guessCarriers(parcel->tracking_number);
    if (guesses.empty())
      return bad("parcel.carrier", "missing, and no carrier's format fits the number");
    parcel->carrier = guesses.front();
  }
  normalizeDestination(*parcel);

  auto asOf = o.find("as_of");
  if (asOf == o.end() || !asOf->value().is_string()) return bad("as_of", "missing or not a string");
  auto now = parseRfc3339(asOf->value().get_string());
  if (!now) return bad("as_of", now.error().message);

  auto source = o.find("source");
  if (source == o.end() || !source->value().is_string())
    return bad("source", "missing or not a string");
  std::string src(source->value().get_string());
  auto response = o.find("response");
  if (response == o.end()) return bad("response", "missing");
  std::string body = json::serialize(response->value());

  Result<CarrierSnapshot> snap = CarrierSnapshot{};
  if (src == "kuaidi100") {
    snap = Kuaidi100Codec(config.kuaidi100).parseBody(body);
  } else if (src == "kuaidiniao") {
    snap = KuaidiniaoCodec(config.kuaidiniao).parseBody(body);
  } else if (src == "17track") {
    auto batch = SeventeenTrackCodec(config.seventeen_track).parseBatch(body);
    if (!batch) return bad("response", batch.error().message);
    snap = makeError(ErrorCode::no_result, "17track answer does not list the parcel");
    for (auto& [number, s] : *batch)
      if (number == parcel->tracking_number) snap = std::move(s);
  } else {
    return bad("source", "unknown source '" + src + "' (kuaidi100, kuaidiniao, 17track)");
  }

  AssessContext context;
  if (!snap) {
    if (snap.error().code != ErrorCode::no_result && snap.error().code != ErrorCode::not_registered)
      return bad("response", snap.error().message);
    context.facts.no_result = true;
    snap = CarrierSnapshot{};
  }
  context.carrier_stage = snap->carrier_stage;
  context.facts.invalid_number = snap->invalid_number;
  context.facts.number_format_ok =
      checkTrackingNumber(parcel->carrier, parcel->tracking_number).plausible;
  if (auto claim = o.find("buyer_claims_not_received"); claim != o.end()) {
    if (!claim->value().is_bool()) return bad("buyer_claims_not_received", "must be true or false");
    context.buyer_claims_not_received = claim->value().get_bool();
  }

  Assessment a = assess(*parcel, snap->events, context, config.rules, *now);
  json::array events;
  for (const auto& e : snap->events) events.push_back(eventToJson(e));
  json::array exceptions;
  for (const auto& issue : a.issues) {
    json::array evidence;
    for (const auto& e : issue.finding.evidence) evidence.push_back(eventToJson(e));
    exceptions.push_back(json::object{
        {"kind", toString(issue.finding.kind)},
        {"since", formatRfc3339(issue.finding.since)},
        {"severity", severityOf(issue.finding.kind)},
        {"detail", issue.finding.detail},
        {"evidence", std::move(evidence)},
        {"remedy", toString(issue.suggestion.remedy)},
        {"reason", issue.suggestion.reason},
        {"message", json::object{{"zh-CN", issue.message.zh_cn}, {"en", issue.message.en}}},
    });
  }
  json::array warnings;
  for (const auto& w : snap->warnings) warnings.push_back(json::string(w));
  return json::object{{"tracking_number", parcel->tracking_number},
                      {"carrier", parcel->carrier},
                      {"as_of", formatRfc3339(*now)},
                      {"state", toString(a.stage)},
                      {"events", std::move(events)},
                      {"exceptions", std::move(exceptions)},
                      {"warnings", std::move(warnings)}};
}

}  // namespace pw
