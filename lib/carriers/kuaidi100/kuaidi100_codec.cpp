#include "carriers/kuaidi100/kuaidi100_codec.h"

#include "carriers/constant_time.h"
#include "carriers/json_text.h"
#include "carriers/kuaidi100/kuaidi100_status.h"
#include "carriers/md5.h"
#include "carriers/no_such_number.h"
#include "carriers/normalize.h"
#include "carriers/wire.h"
#include "common/time_format.h"

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

#include <algorithm>
#include <cctype>

namespace pw {
namespace json = boost::json;

namespace {

// An answer without events: "no result yet" and "no such number" (201, 500)
// are what the carrier knows about the number; the rest are failed queries.
Result<CarrierSnapshot> carrierAnswer(std::string_view returnCode, std::string_view message) {
  std::string text =
      "kuaidi100 returnCode " + std::string(returnCode) + ": " + std::string(message);
  if (returnCode == "500" || returnCode == "201") {
    if (!saysNoSuchNumber(message)) return makeError(ErrorCode::no_result, text);
    CarrierSnapshot snap;
    snap.invalid_number = true;
    snap.carrier_state = std::string(returnCode);
    return snap;
  }
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
  if (auto e = httpStatusError(response, "kuaidi100")) return *e;
  return parseBody(response.body);
}

Result<CarrierSnapshot> Kuaidi100Codec::parseBody(std::string_view body) const {
  auto root = parseJsonObject(body, "kuaidi100");
  if (!root) return root.error();
  return snapshotOf(root->get_object());
}

Result<CarrierSnapshot> Kuaidi100Codec::snapshotOf(const json::object& o) const {
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

HttpRequest Kuaidi100Codec::buildSubscription(const Parcel& parcel) const {
  json::object parameters{{"callbackurl", settings_.callback_url}, {"resultv2", "4"}};
  if (!settings_.salt.empty()) parameters["salt"] = settings_.salt;
  if (parcel.phone) parameters["phone"] = *parcel.phone;
  json::object param{{"company", parcel.carrier},
                     {"number", parcel.tracking_number},
                     {"key", settings_.key},
                     {"parameters", std::move(parameters)}};
  HttpRequest req;
  req.url = settings_.subscribe_endpoint;
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "schema=json&param=" + formEncode(json::serialize(param));
  return req;
}

Result<Kuaidi100Push> Kuaidi100Codec::parsePush(std::string_view formBody) const {
  // Boost.URL 1.81's parse_query reads past the end of a view that is not
  // NUL-terminated (found by fuzz_kuaidiniao under ASan): give it a string.
  const std::string body(formBody);
  auto params = boost::urls::parse_query(body);
  if (!params) return makeError(ErrorCode::invalid_input, "kuaidi100 push: not a form body");
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  std::string param, signature;
  for (auto p : *params) {
    std::string key = p.key.decode(opt);
    if (key == "param") param = p.value.decode(opt);
    if (key == "sign") signature = p.value.decode(opt);
  }
  if (param.empty()) return makeError(ErrorCode::invalid_input, "kuaidi100 push: no param");
  if (!settings_.salt.empty()) {
    std::string expected = md5HexUpper(param + settings_.salt);
    std::string got = signature;
    for (auto& c : got) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!constantTimeEquals(got, expected))
      return makeError(ErrorCode::invalid_input, "kuaidi100 push: sign does not match");
  }
  // The value dies with this call: its nodes go to one arena, not one
  // allocation (and free) each.
  unsigned char arena[8192];
  json::monotonic_resource mr(arena, sizeof arena);
  boost::system::error_code ec;
  json::value root = json::parse(param, ec, &mr);
  if (ec || !root.is_object())
    return makeError(ErrorCode::invalid_input, "kuaidi100 push: param is not a JSON object");
  const auto& o = root.get_object();
  Kuaidi100Push push;
  push.status = scalarText(o, "status");
  push.message = scalarText(o, "message");
  push.carrier_new = scalarText(o, "comNew");
  auto last = o.find("lastResult");
  if (last == o.end() || !last->value().is_object())
    return makeError(ErrorCode::invalid_input, "kuaidi100 push: no lastResult object");
  const auto& lr = last->value().get_object();
  push.tracking_number = scalarText(lr, "nu");
  push.carrier = scalarText(lr, "com");
  if (push.tracking_number.empty())
    return makeError(ErrorCode::invalid_input, "kuaidi100 push: lastResult has no nu");
  // An abort ("3天查询无记录") may come with no usable history at all.
  if (lr.contains("data")) push.snapshot = snapshotOf(lr);
  return push;
}

std::string Kuaidi100Codec::pushReply(bool ok, std::string_view message) {
  return json::serialize(json::object{
      {"result", ok}, {"returnCode", ok ? "200" : "500"}, {"message", ok ? "成功" : message}});
}

}  // namespace pw
