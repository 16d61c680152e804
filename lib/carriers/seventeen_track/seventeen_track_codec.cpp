#include "carriers/seventeen_track/seventeen_track_codec.h"

#include "carriers/code_meaning.h"
#include "carriers/json_text.h"
#include "carriers/normalize.h"
#include "carriers/seventeen_track/seventeen_track_status.h"
#include "carriers/wire.h"
#include "common/time_format.h"

#include <boost/json.hpp>

#include <stdexcept>

namespace pw {
namespace json = boost::json;

namespace {

// -18019902: the number is not registered yet; -18019903: no carrier detected.
Error rejection(const json::object& r) {
  std::string code, message;
  if (auto e = r.find("error"); e != r.end() && e->value().is_object()) {
    code = scalarText(e->value().get_object(), "code");
    message = scalarText(e->value().get_object(), "message");
  }
  std::string text = "17track rejected " + scalarText(r, "number") + ": " + code + " " + message;
  if (code == "-18019902") return makeError(ErrorCode::not_registered, text);
  if (code == "-18019903") return makeError(ErrorCode::no_result, text);
  return makeError(ErrorCode::carrier, text);
}

const json::object* objectAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

Result<CarrierSnapshot> snapshotOf(const json::object& accepted) {
  CarrierSnapshot snap;
  const json::object* info = objectAt(accepted, "track_info");
  if (!info) return snap;  // registered, nothing fetched yet
  std::string status, sub;
  if (auto latest = objectAt(*info, "latest_status")) {
    status = scalarText(*latest, "status");
    sub = scalarText(*latest, "sub_status");
  }
  snap.carrier_state = sub.empty() ? status : sub;
  if (status == "Delivered") snap.carrier_stage = ParcelStage::delivered;
  if (sub == "Exception_Returned") snap.carrier_stage = ParcelStage::returned;
  if (sub == "NotFound_InvalidCode") snap.invalid_number = true;
  const json::object* tracking = objectAt(*info, "tracking");
  auto providers = tracking ? tracking->find("providers") : nullptr;
  if (!tracking || providers == tracking->end() || !providers->value().is_array()) return snap;
  for (const auto& p : providers->value().get_array()) {
    if (!p.is_object()) continue;
    auto events = p.get_object().find("events");
    if (events == p.get_object().end() || !events->value().is_array()) continue;
    size_t index = 0;
    for (const auto& item : events->value().get_array()) {
      std::string where = "events[" + std::to_string(index++) + "]";
      if (!item.is_object()) {
        snap.warnings.push_back(where + " is not an object");
        continue;
      }
      const auto& e = item.get_object();
      TrackingEvent ev;
      ev.local_time = scalarText(e, "time_iso");
      std::string utc = scalarText(e, "time_utc");
      auto when = parseRfc3339(utc.empty() ? ev.local_time : utc);
      if (!when) {
        snap.warnings.push_back(where + ": " + when.error().message);
        continue;
      }
      ev.time = *when;
      ev.description = scalarText(e, "description");
      ev.location = scalarText(e, "location");
      std::string eventSub = scalarText(e, "sub_status");
      std::string stage = scalarText(e, "stage");
      ev.carrier_status = eventSub.empty() ? stage : eventSub;
      auto coded = seventeen_track::meaningOfStatus(eventSub);
      if (!coded) coded = seventeen_track::meaningOfStatus(stage);
      classifyEvent(coded, ev);
      snap.events.push_back(std::move(ev));
    }
  }
  normalizeTimeline(snap.events);
  return snap;
}

}  // namespace

HttpRequest SeventeenTrackCodec::post(std::string_view path, std::string body) const {
  HttpRequest req;
  req.url = settings_.endpoint + std::string(path);
  req.content_type = "application/json";
  req.headers = {{"17token", settings_.token}};
  req.body = std::move(body);
  return req;
}

HttpRequest SeventeenTrackCodec::buildQuery(const Parcel& parcel) const {
  return buildBatchQuery({parcel.tracking_number});
}

HttpRequest SeventeenTrackCodec::buildBatchQuery(const std::vector<std::string>& numbers) const {
  if (numbers.empty() || numbers.size() > kMaxNumbersPerRequest)
    throw std::invalid_argument("17track takes 1 to 40 numbers per request");
  json::array a;
  for (const auto& n : numbers) a.push_back(json::object{{"number", n}});
  return post("/gettrackinfo", json::serialize(a));
}

HttpRequest SeventeenTrackCodec::buildBatch(const std::vector<Parcel>& parcels) const {
  std::vector<std::string> numbers;
  for (const auto& p : parcels) numbers.push_back(p.tracking_number);
  return buildBatchQuery(numbers);
}

Result<CarrierCodec::BatchResults> SeventeenTrackCodec::parseBatch(
    const HttpResponse& response) const {
  if (auto e = httpStatusError(response, "17track")) return *e;
  return parseBatch(response.body);
}

std::optional<HttpRequest> SeventeenTrackCodec::buildRegistration(const Parcel& parcel) const {
  return post("/register",
              json::serialize(json::array{json::object{{"number", parcel.tracking_number}}}));
}

Result<CarrierSnapshot> SeventeenTrackCodec::parseQuery(const HttpResponse& response) const {
  if (auto e = httpStatusError(response, "17track")) return *e;
  auto batch = parseBatch(response.body);
  if (!batch) return batch.error();
  if (batch->empty()) return makeError(ErrorCode::carrier, "17track answer lists no number");
  return batch->front().second;
}

Result<CarrierCodec::BatchResults> SeventeenTrackCodec::parseBatch(std::string_view body) const {
  auto root = parseJsonObject(body, "17track");
  if (!root) return root.error();
  const auto& o = root->get_object();
  std::string code = scalarText(o, "code");
  if (!code.empty() && code != "0") return makeError(ErrorCode::carrier, "17track code " + code);
  const json::object* data = objectAt(o, "data");
  if (!data) return makeError(ErrorCode::carrier, "17track answer has no data object");
  std::vector<std::pair<std::string, Result<CarrierSnapshot>>> out;
  // A webhook carries one parcel as data itself.
  if (data->contains("number") && data->contains("track_info")) {
    out.emplace_back(scalarText(*data, "number"), snapshotOf(*data));
    return out;
  }
  if (auto acc = data->find("accepted"); acc != data->end() && acc->value().is_array())
    for (const auto& a : acc->value().get_array())
      if (a.is_object())
        out.emplace_back(scalarText(a.get_object(), "number"), snapshotOf(a.get_object()));
  if (auto rej = data->find("rejected"); rej != data->end() && rej->value().is_array())
    for (const auto& r : rej->value().get_array())
      if (r.is_object())
        out.emplace_back(scalarText(r.get_object(), "number"),
                         Result<CarrierSnapshot>(rejection(r.get_object())));
  return out;
}

}  // namespace pw
