#include "carriers/normalize.h"

#include "carriers/gazetteer.h"

#include <algorithm>

namespace pw {

namespace {

bool isMovement(EventKind k) {
  return k == EventKind::in_transit || k == EventKind::arrived_hub ||
         k == EventKind::departed_hub || k == EventKind::arrived_delivery_station;
}

// "由【苍溪公司】发往【南充转运中心】", "【南充转运中心】 已发出 下一站 【重庆…】":
// what follows names the next stop, not where the scan happened.
std::string_view beforeNextStop(std::string_view text) {
  std::size_t cut = text.size();
  for (auto marker : {"发往", "下一站", "寄往", "运往", "送往"}) {
    auto at = text.find(marker);
    if (at != std::string_view::npos && at < cut) cut = at;
  }
  return text.substr(0, cut);
}

// The area field is the carrier's own statement of place; the text fills in
// what it leaves out, unless the text points to another province.
Place locate(const TrackingEvent& e) {
  const Gazetteer& g = Gazetteer::builtin();
  Place area = e.location.empty() ? Place{} : g.locate(e.location);
  if (!area.city.empty() && !area.district.empty()) return area;
  Place text = g.locate(beforeNextStop(e.description));
  if (text.empty()) return area;
  if (area.empty()) return text;
  if (text.province != area.province) return area;
  if (area.city.empty()) return text;
  if (text.city == area.city && area.district.empty()) area.district = text.district;
  return area;
}

// "客户签收人: 无 已签收" right after the parcel went into a pickup point, with
// no delivery attempt between: the point closed the record itself.
void attributeAnonymousSignatures(std::vector<TrackingEvent>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    TrackingEvent& sig = events[i];
    if (sig.kind != EventKind::signed_ || sig.signer_type != SignerType::unknown) continue;
    if (!(sig.signer.empty() || sig.signer == "无" || sig.signer == "-" || sig.signer == "/"))
      continue;
    for (std::size_t j = i; j-- > 0;) {
      EventKind k = events[j].kind;
      if (k == EventKind::stored_for_pickup) {
        sig.signer_type = SignerType::station;
        break;
      }
      if (isPhysicalScan(k)) break;
    }
  }
}

}  // namespace

void normalizeTimeline(std::vector<TrackingEvent>& events) {
  for (auto& e : events)
    if (e.place.empty()) e.place = locate(e);
  auto earlier = [](const TrackingEvent& a, const TrackingEvent& b) { return a.time < b.time; };
  // Carriers list a timeline newest first: strictly newest first, reversing it
  // is what the stable sort would do, without moving every event (a dozen
  // strings each) through a buffer.
  auto nextNotOlder = [](const TrackingEvent& a, const TrackingEvent& b) {
    return a.time <= b.time;
  };
  if (std::adjacent_find(events.begin(), events.end(), nextNotOlder) == events.end())
    std::reverse(events.begin(), events.end());
  else if (!std::is_sorted(events.begin(), events.end(), earlier))
    std::stable_sort(events.begin(), events.end(), earlier);
  // The same scan twice in one answer (seen with several carriers) counts once.
  events.erase(std::unique(events.begin(), events.end(),
                           [](const TrackingEvent& a, const TrackingEvent& b) {
                             return a.time == b.time && a.description == b.description &&
                                    a.location == b.location;
                           }),
               events.end());
  // A "signature" as the first physical scan, followed by the parcel moving
  // through the network, is the courier signing for it at pickup.
  auto first = std::find_if(events.begin(), events.end(),
                            [](const TrackingEvent& e) { return isPhysicalScan(e.kind); });
  if (first != events.end() && first->kind == EventKind::signed_ &&
      std::any_of(first + 1, events.end(),
                  [](const TrackingEvent& e) { return isMovement(e.kind); })) {
    first->kind = EventKind::picked_up;
    first->signer_type = SignerType::none;
    first->signer.clear();
  }
  attributeAnonymousSignatures(events);
}

void normalizeDestination(Parcel& parcel) {
  auto& d = parcel.destination;
  Place p = Gazetteer::builtin().locate(d.province + d.city + d.district);
  if (p.city.empty()) return;
  d.province = p.province;
  d.city = p.city;
  if (!p.district.empty()) d.district = p.district;
}

}  // namespace pw
