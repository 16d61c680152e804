#include "carriers/kuaidi100/kuaidi100_status.h"

#include <utility>

namespace pw::kuaidi100 {

// Kuaidi100's documented state codes and resultv2=4 sub-codes.
std::optional<CodeMeaning> meaningOfStatusCode(std::string_view code) {
  using K = EventKind;
  using R = EventReason;
  using S = SignerType;
  static const std::pair<std::string_view, CodeMeaning> kCodes[] = {
      {"1", {K::picked_up}},
      {"101", {K::info_received}},  // 已下单
      {"102", {K::info_received}},  // 待揽收
      {"103", {K::picked_up}},
      {"0", {K::in_transit}},
      {"1001", {K::in_transit}},  // 到达派件城市
      {"1002", {K::in_transit}},  // 干线
      {"1003", {K::redirected}},  // 转递: sent on to a new address
      {"5", {K::out_for_delivery}},
      {"501", {K::stored_for_pickup}},  // 投柜或驿站
      {"3", {K::signed_}},
      {"301", {K::signed_, R::none, S::self}},
      {"302", {K::signed_}},                            // 派件异常后签收
      {"303", {K::signed_, R::none, S::proxy_person}},  // 代签
      {"304", {K::signed_, R::none, S::self}},          // 已从快递柜或驿站取出签收
      {"2", {K::problem, R::other}},
      {"201", {K::problem, R::delayed}},  // 超时未签收
      {"202", {K::problem, R::delayed}},  // 超时未更新
      {"203", {K::refused, R::refused}},
      {"204", {K::delivery_failed, R::other}},
      {"205", {K::stored_for_pickup, R::delayed}},  // 柜或驿站超时未取
      {"206", {K::delivery_failed, R::no_contact}},
      {"207", {K::problem, R::out_of_area}},
      {"208", {K::problem, R::delayed}},  // 滞留
      {"209", {K::problem, R::damaged}},
      {"210", {K::problem, R::other}},  // 销单
      {"4", {K::returned}},
      {"401", {K::returned}},
      {"14", {K::refused, R::refused}},
      {"6", {K::returning}},
      {"7", {K::redirected}},
      {"8", {K::customs}},
      {"10", {K::customs}},
      {"11", {K::customs}},
      {"12", {K::customs, R::customs_released}},
      {"13", {K::customs, R::customs_hold}},
  };
  for (const auto& [c, m] : kCodes)
    if (c == code) return m;
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
      {"干线", EventKind::in_transit},
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
