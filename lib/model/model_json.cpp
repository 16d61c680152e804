#include "model/model_json.h"

#include "common/duration.h"
#include "common/time_format.h"

#include <boost/json.hpp>

namespace pw {
namespace json = boost::json;

json::object eventToJson(const TrackingEvent& e) {
  json::object o;
  o["time"] = formatRfc3339(e.time);
  o["local_time"] = e.local_time;
  o["kind"] = toString(e.kind);
  o["description"] = e.description;
  o["location"] = e.location;
  if (!e.carrier_status.empty()) o["carrier_status"] = e.carrier_status;
  if (e.reason != EventReason::none) o["reason"] = toString(e.reason);
  if (e.signer_type != SignerType::none) o["signer_type"] = toString(e.signer_type);
  if (!e.signer.empty()) o["signer"] = e.signer;
  if (!e.place.empty())
    o["place"] = json::object{
        {"province", e.place.province}, {"city", e.place.city}, {"district", e.place.district}};
  return o;
}

json::object findingToJson(const Finding& f) {
  json::object o;
  o["kind"] = toString(f.kind);
  o["since"] = formatRfc3339(f.since);
  o["threshold"] = formatDuration(f.threshold);
  o["elapsed"] = formatDuration(f.elapsed);
  o["detail"] = f.detail;
  json::array evidence;
  for (const auto& e : f.evidence) evidence.push_back(eventToJson(e));
  o["evidence"] = std::move(evidence);
  return o;
}

json::object taskToJson(const NotificationTask& t) {
  json::object o;
  o["id"] = t.id;
  o["exception_id"] = t.exception_id;
  o["tracking_number"] = t.tracking_number;
  o["carrier"] = t.carrier;
  o["kind"] = toString(t.kind);
  o["remedy"] = toString(t.suggestion.remedy);
  o["reason"] = t.suggestion.reason;
  o["message"] = t.message.zh_cn;
  o["message_en"] = t.message.en;
  o["detail"] = t.detail;
  o["created_at"] = formatRfc3339(t.created_at);
  o["state"] = toString(t.state);
  return o;
}

}  // namespace pw
