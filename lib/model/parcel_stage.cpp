#include "model/parcel_stage.h"

#include "common/enum_names.h"

namespace pw {

namespace {
constexpr EnumNames<ParcelStage, 7> kNames{{
    {ParcelStage::awaiting_pickup, "awaiting_pickup"},
    {ParcelStage::in_transit, "in_transit"},
    {ParcelStage::out_for_delivery, "out_for_delivery"},
    {ParcelStage::awaiting_collection, "awaiting_collection"},
    {ParcelStage::delivered, "delivered"},
    {ParcelStage::returning, "returning"},
    {ParcelStage::returned, "returned"},
}};
}  // namespace

std::string_view toString(ParcelStage stage) { return kNames.name(stage); }
std::optional<ParcelStage> parcelStageFromString(std::string_view text) {
  return kNames.parse(text);
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
        // A locker or station "signing" holds the parcel for the buyer; it
        // is delivered when they collect it.
        if (it->signer_type == SignerType::locker || it->signer_type == SignerType::station)
          return ParcelStage::awaiting_collection;
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
