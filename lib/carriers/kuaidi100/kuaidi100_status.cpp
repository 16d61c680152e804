#include "carriers/kuaidi100/kuaidi100_status.h"

#include <utility>

namespace pw::kuaidi100 {

// Kuaidi100's documented state codes and resultv2=4 sub-codes (see README).
std::optional<EventKind> kindForStatusCode(std::string_view code) {
  static constexpr std::pair<std::string_view, EventKind> kCodes[] = {
      {"1", EventKind::picked_up},
      {"101", EventKind::info_received},
      {"102", EventKind::info_received},
      {"103", EventKind::picked_up},
      {"0", EventKind::in_transit},
      {"1001", EventKind::in_transit},
      {"1002", EventKind::in_transit},
      {"1003", EventKind::redirected},
      {"5", EventKind::out_for_delivery},
      {"501", EventKind::stored_for_pickup},
      {"3", EventKind::signed_},
      {"301", EventKind::signed_},
      {"302", EventKind::signed_},
      {"303", EventKind::signed_},
      {"304", EventKind::signed_},
      {"2", EventKind::problem},
      {"201", EventKind::problem},
      {"202", EventKind::problem},
      {"203", EventKind::refused},
      {"204", EventKind::delivery_failed},
      {"205", EventKind::stored_for_pickup},
      {"206", EventKind::delivery_failed},
      {"207", EventKind::problem},
      {"208", EventKind::problem},
      {"209", EventKind::problem},
      {"210", EventKind::problem},
      {"4", EventKind::returned},
      {"401", EventKind::returned},
      {"14", EventKind::refused},
      {"6", EventKind::returning},
      {"7", EventKind::redirected},
      {"8", EventKind::customs},
      {"10", EventKind::customs},
      {"11", EventKind::customs},
      {"12", EventKind::customs},
      {"13", EventKind::customs},
      {"1101", EventKind::customs},
      {"1102", EventKind::customs},
      {"1103", EventKind::customs},
      {"1104", EventKind::customs},
  };
  for (auto& [c, k] : kCodes)
    if (c == code) return k;
  return std::nullopt;
}

std::optional<EventKind> kindForStatusName(std::string_view name) {
  static constexpr std::pair<std::string_view, EventKind> kNames[] = {
      {"在途", EventKind::in_transit},
      {"揽收", EventKind::picked_up},
      {"派件", EventKind::out_for_delivery},
      {"签收", EventKind::signed_},
      {"退回", EventKind::returning},
      {"退签", EventKind::returned},
      {"疑难", EventKind::problem},
      {"转投", EventKind::redirected},
      {"清关", EventKind::customs},
      {"拒签", EventKind::refused},
      {"投柜或驿站", EventKind::stored_for_pickup},
  };
  for (auto& [n, k] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::optional<ParcelStage> finalStageForState(std::string_view state) {
  if (state == "3") return ParcelStage::delivered;
  if (state == "4" || state == "14") return ParcelStage::returned;
  return std::nullopt;
}

}  // namespace pw::kuaidi100
