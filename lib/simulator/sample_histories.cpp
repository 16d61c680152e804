#include "simulator/sample_histories.h"

#include "common/duration.h"
#include "common/time_format.h"
#include "model/parcel_json.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace pw {
namespace json = boost::json;

namespace {

// Kuaidi100's parcel-level state from an event's resultv2 code: 103 -> 1,
// 301 -> 3, 1001 -> 0 (in transit), plain codes as they are.
std::string mainState(const std::string& code) {
  if (code.size() == 3) return code.substr(0, 1);
  if (code.size() == 4 && code[0] == '1' && code[1] == '0') return "0";
  if (code.size() == 4) return code.substr(0, 2);
  return code.empty() ? "0" : code;
}

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

}  // namespace

Result<SampleHistories> SampleHistories::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return makeError(ErrorCode::io, file.string() + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value root = json::parse(ss.str(), ec);
  auto bad = [&](const std::string& what) {
    return makeError(ErrorCode::invalid_input, file.string() + ": " + what);
  };
  if (ec) return bad("not JSON: " + ec.message());
  if (!root.is_object() || !root.as_object().contains("parcels") || !root.at("parcels").is_array())
    return bad("expected {\"parcels\": [...]}");
  SampleHistories out;
  int index = 0;
  for (const auto& item : root.at("parcels").as_array()) {
    std::string where = "parcels[" + std::to_string(index++) + "]";
    if (!item.is_object() || !item.as_object().contains("parcel"))
      return bad(where + ": missing parcel");
    json::object p = item.at("parcel").as_object();
    p["shipped_at"] = "1970-01-01T00:00:00Z";  // replaced when anchored
    auto parcel = parcelFromJson(p);
    if (!parcel) return bad(where + ".parcel: " + parcel.error().message);
    SampleParcel sp;
    sp.parcel = *parcel;
    auto ago = parseDuration(str(item.as_object(), "shipped_ago"));
    if (!ago) return bad(where + ".shipped_ago: " + ago.error().message);
    sp.shipped_ago = *ago;
    if (auto ev = item.as_object().find("events"); ev != item.as_object().end()) {
      if (!ev->value().is_array()) return bad(where + ".events: must be an array");
      for (const auto& e : ev->value().as_array()) {
        if (!e.is_object()) return bad(where + ".events: each event must be an object");
        const auto& eo = e.as_object();
        auto after = parseDuration(str(eo, "after"));
        if (!after) return bad(where + ".events.after: " + after.error().message);
        sp.events.push_back(
            {*after, str(eo, "context"), str(eo, "areaName"), str(eo, "statusCode")});
      }
    }
    out.parcels_.push_back(std::move(sp));
  }
  return out;
}

void SampleHistories::anchor(const std::string& trackingNumber, Timestamp shippedAt) {
  anchors_[trackingNumber] = shippedAt;
}

std::optional<std::string> SampleHistories::render(const std::string& num, Timestamp now) const {
  auto a = anchors_.find(num);
  if (a == anchors_.end()) return std::nullopt;
  for (const auto& sp : parcels_) {
    if (sp.parcel.tracking_number != num) continue;
    json::array data;
    std::string state = "0";
    bool any = false;
    // Kuaidi100 lists the newest event first.
    for (auto it = sp.events.rbegin(); it != sp.events.rend(); ++it) {
      Timestamp t = a->second + it->after;
      if (t > now) continue;
      std::string local = formatLocalDateTime(t, zone_);
      json::object e{{"time", local}, {"ftime", local}, {"context", it->context}};
      if (!it->area_name.empty()) e["areaName"] = it->area_name;
      if (!it->status_code.empty()) e["statusCode"] = it->status_code;
      if (!any) state = mainState(it->status_code);
      any = true;
      data.push_back(std::move(e));
    }
    if (!any) return std::nullopt;
    json::object body{{"message", "ok"},
                      {"nu", num},
                      {"ischeck", state == "3" ? "1" : "0"},
                      {"condition", "F00"},
                      {"com", sp.parcel.carrier},
                      {"status", "200"},
                      {"state", state},
                      {"data", std::move(data)}};
    return json::serialize(body);
  }
  return std::nullopt;
}

}  // namespace pw
