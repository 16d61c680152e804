#include "analyzer/case_file.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/normalize.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "carriers/tracking_number.h"
#include "common/time_format.h"
#include "model/parcel_json.h"

#include <boost/json.hpp>

namespace pw {
namespace json = boost::json;

namespace {

Error bad(const std::string& field, const std::string& what) {
  return makeError(ErrorCode::invalid_input, "field '" + field + "': " + what);
}

Result<Timestamp> timeField(const json::object& o, const char* key, bool required) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) return bad(key, "missing");
    return Timestamp{};
  }
  if (!it->value().is_string()) return bad(key, "must be an RFC 3339 string");
  auto t = parseRfc3339(it->value().get_string());
  if (!t) return bad(key, t.error().message);
  return *t;
}

Result<CarrierSnapshot> decode(const std::string& source, const std::string& body,
                               const Parcel& parcel, const Config& config) {
  if (source == "kuaidi100") return Kuaidi100Codec(config.kuaidi100).parseBody(body);
  if (source == "kuaidiniao") return KuaidiniaoCodec(config.kuaidiniao).parseBody(body);
  if (source == "17track") {
    auto batch = SeventeenTrackCodec(config.seventeen_track).parseBatch(body);
    if (!batch) return batch.error();
    for (auto& [number, s] : *batch)
      if (number == parcel.tracking_number) return std::move(s);
    return makeError(ErrorCode::no_result, "17track answer does not list the parcel");
  }
  return makeError(ErrorCode::internal, "unreachable: source checked by the caller");
}

}  // namespace

Result<LoadedCase> loadCase(std::string_view caseJson, const Config& config) {
  boost::system::error_code ec;
  json::value root = json::parse(caseJson, ec);
  if (ec) return makeError(ErrorCode::invalid_input, "not JSON: " + ec.message());
  if (!root.is_object()) return makeError(ErrorCode::invalid_input, "a case must be a JSON object");
  const auto& o = root.get_object();

  LoadedCase c;
  auto parcelField = o.find("parcel");
  if (parcelField == o.end()) return bad("parcel", "missing");
  auto parcel = parcelFromJson(parcelField->value());
  if (!parcel) return bad("parcel", parcel.error().message);
  c.parcel = std::move(*parcel);
  if (c.parcel.carrier.empty()) {
    auto guesses = guessCarriers(c.parcel.tracking_number);
    if (guesses.empty())
      return bad("parcel.carrier", "missing, and no carrier's format fits the number");
    c.parcel.carrier = guesses.front();
  }
  normalizeDestination(c.parcel);

  auto asOf = timeField(o, "as_of", true);
  if (!asOf) return asOf.error();
  c.as_of = *asOf;

  auto source = o.find("source");
  if (source == o.end() || !source->value().is_string())
    return bad("source", "missing or not a string");
  std::string src(source->value().get_string());
  if (src != "kuaidi100" && src != "kuaidiniao" && src != "17track")
    return bad("source", "unknown source '" + src + "' (kuaidi100, kuaidiniao, 17track)");
  auto response = o.find("response");
  if (response == o.end()) return bad("response", "missing");
  auto snap = decode(src, json::serialize(response->value()), c.parcel, config);
  if (!snap) {
    // "No result yet" is a finding about the number, not a broken case.
    if (snap.error().code != ErrorCode::no_result && snap.error().code != ErrorCode::not_registered)
      return bad("response", snap.error().message);
    c.context.facts.no_result = true;
    snap = CarrierSnapshot{};
  }
  c.snapshot = std::move(*snap);
  c.context.carrier_stage = c.snapshot.carrier_stage;
  c.context.facts.invalid_number = c.snapshot.invalid_number;
  c.context.facts.no_result = c.context.facts.no_result || c.snapshot.invalid_number;
  c.context.facts.number_format_ok =
      checkTrackingNumber(c.parcel.carrier, c.parcel.tracking_number).plausible;

  if (auto claim = o.find("buyer_claims_not_received"); claim != o.end()) {
    if (!claim->value().is_bool()) return bad("buyer_claims_not_received", "must be true or false");
    c.context.buyer_claims_not_received = claim->value().get_bool();
  }
  if (o.contains("claimed_at")) {
    auto at = timeField(o, "claimed_at", true);
    if (!at) return at.error();
    c.claimed_at = *at;
    c.context.buyer_claims_not_received = *at <= c.as_of;
  }
  return c;
}

}  // namespace pw
