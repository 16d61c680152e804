#include "carriers/kuaidi100/kuaidi100_codec.h"

#include "carriers/json_text.h"
#include "carriers/kuaidi100/kuaidi100_status.h"
#include "carriers/md5.h"
#include "carriers/normalize.h"
#include "common/time_format.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>

namespace pw {
namespace json = boost::json;

namespace {

std::string formEncode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

Error carrierAnswer(std::string_view returnCode, std::string_view message) {
  std::string text =
      "kuaidi100 returnCode " + std::string(returnCode) + ": " + std::string(message);
  if (returnCode == "500") return makeError(ErrorCode::no_result, text);
  if (returnCode == "501" || returnCode == "502") return makeError(ErrorCode::transient, text);
  return makeError(ErrorCode::carrier, text);
}

}  // namespace

std::string Kuaidi100Codec::queryParam(const Parcel& parcel) {
  json::object param;
  param["com"] = parcel.carrier;
  param["num"] = parcel.tracking_number;
  if (parcel.phone) param["phone"] = *parcel.phone;
  param["resultv2"] = "4";
  return json::serialize(param);
}

std::string Kuaidi100Codec::sign(std::string_view param, std::string_view key,
                                 std::string_view customer) {
  std::string material;
  material.reserve(param.size() + key.size() + customer.size());
  material.append(param).append(key).append(customer);
  return md5HexUpper(material);
}

HttpRequest Kuaidi100Codec::buildQuery(const Parcel& parcel) const {
  std::string param = queryParam(parcel);
  HttpRequest req;
  req.method = "POST";
  req.url = settings_.endpoint;
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "customer=" + formEncode(settings_.customer) + "&param=" + formEncode(param) +
             "&sign=" + sign(param, settings_.key, settings_.customer);
  return req;
}

Result<CarrierSnapshot> Kuaidi100Codec::parseQuery(const HttpResponse& response) const {
  if (response.status == 429 || response.status == 408 || response.status >= 500)
    return makeError(ErrorCode::transient, "kuaidi100 HTTP " + std::to_string(response.status));
  if (response.status != 200)
    return makeError(ErrorCode::carrier, "kuaidi100 HTTP " + std::to_string(response.status));
  return parseBody(response.body);
}

Result<CarrierSnapshot> Kuaidi100Codec::parseBody(std::string_view body) const {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec) return makeError(ErrorCode::carrier, "kuaidi100 answer is not JSON: " + ec.message());
  if (!root.is_object()) return makeError(ErrorCode::carrier, "kuaidi100 answer is not an object");
  const auto& o = root.get_object();

  // Errors come as {"result": false, "returnCode": "500", "message": "查询无结果..."}.
  if (o.contains("returnCode") && !o.contains("data")) {
    return carrierAnswer(scalarText(o, "returnCode"), scalarText(o, "message"));
  }
  std::string status = scalarText(o, "status");
  if (status != "200")
    return carrierAnswer(status.empty() ? "?" : status, scalarText(o, "message"));

  auto data = o.find("data");
  if (data == o.end() || !data->value().is_array())
    return makeError(ErrorCode::carrier, "kuaidi100 answer has no data[] array");

  CarrierSnapshot snap;
  snap.carrier_state = scalarText(o, "state");
  snap.carrier_stage = kuaidi100::finalStageForState(snap.carrier_state);
  if (!snap.carrier_stage && scalarText(o, "ischeck") == "1")
    snap.carrier_stage = ParcelStage::delivered;

  const auto& items = data->value().get_array();
  snap.events.reserve(items.size());
  size_t index = 0;
  for (const auto& item : items) {
    ++index;
    if (!item.is_object()) {
      snap.warnings.push_back("data[" + std::to_string(index - 1) + "] is not an object");
      continue;
    }
    const auto& e = item.get_object();
    TrackingEvent ev;
    ev.local_time = scalarText(e, "ftime");
    if (ev.local_time.empty()) ev.local_time = scalarText(e, "time");
    auto t = parseLocalDateTime(ev.local_time, settings_.zone);
    if (!t) {
      snap.warnings.push_back("data[" + std::to_string(index - 1) + "]: " + t.error().message);
      continue;
    }
    ev.time = *t;
    ev.description = scalarText(e, "context");
    ev.location = scalarText(e, "areaName");
    std::string code = scalarText(e, "statusCode");
    std::string name = scalarText(e, "status");
    ev.carrier_status = code.empty() ? name : code;
    std::optional<CodeMeaning> coded = kuaidi100::meaningOfStatusCode(code);
    if (!coded && !name.empty()) {
      if (auto k = kuaidi100::kindForStatusName(name)) coded = CodeMeaning{*k};
    }
    classifyEvent(coded, ev);
    snap.events.push_back(std::move(ev));
  }
  // Newest first on the wire; reverse so equal times keep the carrier's order.
  std::reverse(snap.events.begin(), snap.events.end());
  normalizeTimeline(snap.events);
  return snap;
}

}  // namespace pw
