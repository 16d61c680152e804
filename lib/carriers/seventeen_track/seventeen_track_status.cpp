#include "carriers/seventeen_track/seventeen_track_status.h"

#include <utility>

namespace pw::seventeen_track {

// 17TRACK v2 statuses and sub-statuses.
std::optional<CodeMeaning> meaningOfStatus(std::string_view status) {
  using K = EventKind;
  using R = EventReason;
  static const std::pair<std::string_view, CodeMeaning> kStatuses[] = {
      {"InfoReceived", {K::info_received}},
      {"InTransit_PickedUp", {K::picked_up}},
      {"InTransit_Departure", {K::departed_hub}},
      {"InTransit_Arrival", {K::arrived_hub}},
      {"InTransit_Other", {K::in_transit}},
      {"InTransit_CustomsProcessing", {K::customs}},
      {"InTransit_CustomsReleased", {K::customs, R::customs_released}},
      {"InTransit_CustomsRequiringInformation", {K::customs, R::customs_hold}},
      {"InTransit", {K::in_transit}},
      {"AvailableForPickup_Other", {K::stored_for_pickup}},
      {"AvailableForPickup", {K::stored_for_pickup}},
      {"OutForDelivery_Other", {K::out_for_delivery}},
      {"OutForDelivery", {K::out_for_delivery}},
      {"DeliveryFailure_Other", {K::delivery_failed, R::other}},
      {"DeliveryFailure_NoBody", {K::delivery_failed, R::no_contact}},
      {"DeliveryFailure_Security", {K::delivery_failed, R::other}},
      {"DeliveryFailure_Rejected", {K::refused, R::refused}},
      {"DeliveryFailure_InvalidAddress", {K::delivery_failed, R::address}},
      {"DeliveryFailure", {K::delivery_failed, R::other}},
      {"Delivered_Other", {K::signed_}},
      {"Delivered", {K::signed_}},
      {"Exception_Other", {K::problem, R::other}},
      {"Exception_Returning", {K::returning}},
      {"Exception_Returned", {K::returned}},
      {"Exception_NoBody", {K::delivery_failed, R::no_contact}},
      {"Exception_Security", {K::problem, R::other}},
      {"Exception_Damage", {K::problem, R::damaged}},
      {"Exception_Rejected", {K::refused, R::refused}},
      {"Exception_Delayed", {K::problem, R::delayed}},
      {"Exception_Lost", {K::problem, R::lost}},
      {"Exception_Destroyed", {K::problem, R::lost}},
      {"Exception_Cancel", {K::problem, R::other}},
      {"Exception", {K::problem, R::other}},
  };
  for (const auto& [s, m] : kStatuses)
    if (s == status) return m;
  return std::nullopt;
}

}  // namespace pw::seventeen_track
