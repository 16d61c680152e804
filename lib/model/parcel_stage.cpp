#include "model/parcel_stage.h"

namespace pw {

std::string_view toString(ParcelStage stage) {
  switch (stage) {
    case ParcelStage::awaiting_pickup:
      return "awaiting_pickup";
    case ParcelStage::in_transit:
      return "in_transit";
    case ParcelStage::out_for_delivery:
      return "out_for_delivery";
    case ParcelStage::awaiting_collection:
      return "awaiting_collection";
    case ParcelStage::delivered:
      return "delivered";
    case ParcelStage::returning:
      return "returning";
    case ParcelStage::returned:
      return "returned";
  }
  return "in_transit";
}

bool isFinal(ParcelStage stage) {
  return stage == ParcelStage::delivered || stage == ParcelStage::returned;
}

ParcelStage stageOf(const Timeline& timeline, bool carrierSaysDelivered) {
  if (carrierSaysDelivered) return ParcelStage::delivered;
  // Walk back to the newest event that says where the parcel is; problem and
  // unknown events say nothing about the stage.
  for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
    switch (it->kind) {
      case EventKind::signed_:
        return ParcelStage::delivered;
      case EventKind::returned:
        return ParcelStage::returned;
      case EventKind::returning:
      case EventKind::refused:
        return ParcelStage::returning;
      case EventKind::stored_for_pickup:
        return ParcelStage::awaiting_collection;
      case EventKind::out_for_delivery:
        return ParcelStage::out_for_delivery;
      case EventKind::picked_up:
      case EventKind::in_transit:
      case EventKind::arrived_hub:
      case EventKind::departed_hub:
      case EventKind::arrived_delivery_station:
      case EventKind::delivery_failed:
      case EventKind::customs:
      case EventKind::redirected:
        return ParcelStage::in_transit;
      case EventKind::info_received:
      case EventKind::problem:
      case EventKind::unknown:
        break;
    }
  }
  for (const auto& e : timeline)
    if (isPhysicalScan(e.kind) && e.kind != EventKind::problem) return ParcelStage::in_transit;
  return ParcelStage::awaiting_pickup;
}

}  // namespace pw
