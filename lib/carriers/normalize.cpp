#include "carriers/normalize.h"

#include <algorithm>

namespace pw {

namespace {

bool isMovement(EventKind k) {
  return k == EventKind::in_transit || k == EventKind::arrived_hub ||
         k == EventKind::departed_hub || k == EventKind::arrived_delivery_station;
}

}  // namespace

void normalizeTimeline(std::vector<TrackingEvent>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const TrackingEvent& a, const TrackingEvent& b) { return a.time < b.time; });
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
}

}  // namespace pw
