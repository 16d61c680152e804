#include "carriers/kuaidiniao/kuaidiniao_codec.h"

#include "carriers/carrier_codes.h"
#include "carriers/code_meaning.h"
#include "carriers/constant_time.h"
#include "carriers/json_text.h"
#include "carriers/kuaidiniao/kuaidiniao_status.h"
#include "carriers/md5.h"
#include "carriers/no_such_number.h"
#include "carriers/normalize.h"
#include "carriers/wire.h"
#include "common/time_format.h"

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

namespace pw {
namespace json = boost::json;

namespace {

bool noTracesYet(std::string_view reason) {
  for (auto w : {"暂无轨迹", "没有物流轨迹", "无轨迹", "查询无结果", "no trace"})
    if (reason.find(w) != std::string_view::npos) return true;
  return false;
}

}  // namespace

std::string KuaidiniaoCodec::sign(std::string_view requestData, std::string_view appKey) {
  std::string material(requestData);
  material.append(appKey);
  return base64Encode(md5HexLower(material));
}

HttpRequest KuaidiniaoCodec::buildQuery(const Parcel& parcel) const {
  json::object data{{"OrderCode", ""},
                    {"ShipperCode", kuaidiniaoCode(parcel.carrier).value_or(parcel.carrier)},
                    {"LogisticCode", parcel.tracking_number}};
  if (parcel.phone) data["CustomerName"] = *parcel.phone;  // SF and ZTO ask for the phone's tail
  std::string requestData = json::serialize(data);
  HttpRequest req;
  req.url = settings_.endpoint;
  req.content_type = "application/x-www-form-urlencoded;charset=utf-8";
  req.body = "RequestData=" + formEncode(requestData) +
             "&EBusinessID=" + formEncode(settings_.business_id) +
             "&RequestType=" + settings_.request_type +
             "&DataSign=" + formEncode(sign(requestData, settings_.app_key)) + "&DataType=2";
  return req;
}

Result<CarrierSnapshot> KuaidiniaoCodec::parseQuery(const HttpResponse& response) const {
  if (auto e = httpStatusError(response, "kuaidiniao")) return *e;
  return parseBody(response.body);
}

Result<CarrierSnapshot> KuaidiniaoCodec::parseBody(std::string_view body) const {
  auto root = parseJsonObject(body, "kuaidiniao");
  if (!root) return root.error();
  return parseTracingData(root->get_object());
}

Result<CarrierSnapshot> KuaidiniaoCodec::parseTracingData(const json::object& o) const {
  std::string success = scalarText(o, "Success");
  std::string reason = scalarText(o, "Reason");
  std::string state = scalarText(o, "State");
  auto traces = o.find("Traces");
  bool hasTraces =
      traces != o.end() && traces->value().is_array() && !traces->value().get_array().empty();
  if (success != "true") {
    if (saysNoSuchNumber(reason) && !hasTraces) {
      CarrierSnapshot snap;
      snap.invalid_number = true;
      snap.carrier_state = state;
      return snap;
    }
    if (noTracesYet(reason) || (state == "0" && !hasTraces))
      return makeError(ErrorCode::no_result,
                       "kuaidiniao: " + (reason.empty() ? "no traces yet" : reason));
    return makeError(ErrorCode::carrier,
                     "kuaidiniao: " + (reason.empty() ? "Success is false" : reason));
  }
  CarrierSnapshot snap;
  std::string stateEx = scalarText(o, "StateEx");
  snap.carrier_state = stateEx.empty() ? state : stateEx;
  if (state == "3" && stateEx != "311") snap.carrier_stage = ParcelStage::delivered;
  if (stateEx == "406") snap.carrier_stage = ParcelStage::returned;
  if (traces == o.end() || traces->value().is_null()) return snap;
  if (!traces->value().is_array())
    return makeError(ErrorCode::carrier, "kuaidiniao answer: Traces is not an array");
  size_t index = 0;
  for (const auto& item : traces->value().get_array()) {
    std::string where = "Traces[" + std::to_string(index++) + "]";
    if (!item.is_object()) {
      snap.warnings.push_back(where + " is not an object");
      continue;
    }
    const auto& t = item.get_object();
    TrackingEvent ev;
    ev.local_time = scalarText(t, "AcceptTime");
    auto when = parseLocalDateTime(ev.local_time, settings_.zone);
    if (!when) {
      snap.warnings.push_back(where + ": " + when.error().message);
      continue;
    }
    ev.time = *when;
    ev.description = scalarText(t, "AcceptStation");
    std::string remark = scalarText(t, "Remark");
    if (!remark.empty()) ev.description += " " + remark;
    ev.location = scalarText(t, "Location");
    ev.carrier_status = scalarText(t, "Action");
    classifyEvent(kuaidiniao::meaningOfCode(ev.carrier_status), ev);
    snap.events.push_back(std::move(ev));
  }
  normalizeTimeline(snap.events);
  return snap;
}

Result<std::vector<KuaidiniaoPushItem>> KuaidiniaoCodec::parsePush(
    std::string_view formBody) const {
  // Boost.URL 1.81's parse_query reads past the end of a view that is not
  // NUL-terminated (found by fuzz_kuaidiniao under ASan): give it a string.
  const std::string body(formBody);
  auto params = boost::urls::parse_query(body);
  if (!params) return makeError(ErrorCode::invalid_input, "kuaidiniao push: not a form body");
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  std::string requestData, dataSign, requestType;
  for (auto p : *params) {
    std::string key = p.key.decode(opt);
    if (key == "RequestData") requestData = p.value.decode(opt);
    if (key == "DataSign") dataSign = p.value.decode(opt);
    if (key == "RequestType") requestType = p.value.decode(opt);
  }
  if (requestType != "101")
    return makeError(ErrorCode::invalid_input,
                     "kuaidiniao push: RequestType '" + requestType + "' is not 101 (traces)");
  if (requestData.empty() || !constantTimeEquals(dataSign, sign(requestData, settings_.app_key)))
    return makeError(ErrorCode::invalid_input, "kuaidiniao push: DataSign does not match");
  boost::system::error_code ec;
  json::value root = json::parse(requestData, ec);
  if (ec || !root.is_object())
    return makeError(ErrorCode::invalid_input, "kuaidiniao push: RequestData is not a JSON object");
  auto data = root.get_object().find("Data");
  if (data == root.get_object().end() || !data->value().is_array())
    return makeError(ErrorCode::invalid_input, "kuaidiniao push: no Data array");
  std::vector<KuaidiniaoPushItem> out;
  for (const auto& item : data->value().get_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.get_object();
    std::string shipper = scalarText(o, "ShipperCode");
    out.push_back({scalarText(o, "LogisticCode"),
                   kuaidi100CodeFromKuaidiniao(shipper).value_or(shipper), parseTracingData(o)});
  }
  return out;
}

std::string KuaidiniaoCodec::pushReply(bool success, std::string_view reason, Timestamp now) const {
  return json::serialize(json::object{{"EBusinessID", settings_.business_id},
                                      {"UpdateTime", formatLocalDateTime(now, settings_.zone)},
                                      {"Success", success},
                                      {"Reason", reason}});
}

}  // namespace pw
