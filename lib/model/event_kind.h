#pragma once
// One normalized vocabulary for what a scan means, whatever the carrier said.
// Rules reason only in these kinds; the carrier's own text and code are kept
// beside them as evidence.
#include <optional>
#include <string_view>

namespace pw {

enum class EventKind {
  unknown,
  info_received,             // order data sent to the carrier, nothing physical yet
  picked_up,                 // 揽收
  in_transit,                // moving between sites
  arrived_hub,               // 到达转运中心
  departed_hub,              // 离开/发往
  arrived_delivery_station,  // at the delivering branch
  out_for_delivery,          // 派件中
  stored_for_pickup,         // locker / station / pickup point
  delivery_failed,
  signed_,  // "signed" (a keyword in C++)
  refused,
  returning,
  returned,
  customs,
  problem,
  redirected,
};

std::string_view toString(EventKind kind);
std::optional<EventKind> eventKindFromString(std::string_view text);

/// True once the carrier has physically handled the parcel.
bool isPhysicalScan(EventKind kind);

}  // namespace pw
