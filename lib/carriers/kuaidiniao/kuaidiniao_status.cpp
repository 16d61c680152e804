#include "carriers/kuaidiniao/kuaidiniao_status.h"

#include <utility>

namespace pw::kuaidiniao {

// Kuaidiniao's State (0-6, 10) and StateEx/Action codes (在途监控).
std::optional<CodeMeaning> meaningOfCode(std::string_view code) {
  using K = EventKind;
  using R = EventReason;
  using S = SignerType;
  static const std::pair<std::string_view, CodeMeaning> kCodes[] = {
      {"1", {K::picked_up}},
      {"2", {K::in_transit}},
      {"201", {K::in_transit}},  // 到达派件城市
      {"202", {K::out_for_delivery}},
      {"204", {K::arrived_hub}},
      {"205", {K::arrived_delivery_station}},
      {"206", {K::departed_hub}},  // 寄件网点发件
      {"211", {K::stored_for_pickup}},
      {"3", {K::signed_}},
      {"301", {K::signed_, R::none, S::self}},
      {"302", {K::signed_}},  // 轨迹异常后最终签收
      {"304", {K::signed_, R::none, S::proxy_person}},
      {"311", {K::signed_, R::none, S::station}},  // 快递柜或驿站签收
      {"4", {K::problem, R::other}},
      {"401", {K::problem, R::other}},  // 发货无信息
      {"402", {K::problem, R::delayed}},
      {"403", {K::problem, R::delayed}},
      {"404", {K::refused, R::refused}},
      {"405", {K::delivery_failed, R::other}},
      {"406", {K::returned}},
      {"407", {K::returning}},
      {"412", {K::stored_for_pickup, R::delayed}},
      {"413", {K::problem, R::other}},  // 单号已拦截
      {"414", {K::problem, R::damaged}},
      {"415", {K::problem, R::other}},  // 客户取消发货
      {"416", {K::delivery_failed, R::no_contact}},
      {"417", {K::problem, R::delayed}},
      {"418", {K::signed_, R::none, S::self}},  // 快件取出
      {"419", {K::out_for_delivery}},           // 重新派送
      {"420", {K::delivery_failed, R::address}},
      {"421", {K::delivery_failed, R::no_contact}},
      {"422", {K::problem, R::misrouted}},
      {"423", {K::problem, R::out_of_area}},
      {"5", {K::redirected}},
      {"6", {K::customs}},
      {"601", {K::customs}},
      {"602", {K::customs}},
      {"603", {K::customs, R::customs_released}},
      {"604", {K::customs, R::customs_hold}},
      {"10", {K::info_received}},
  };
  for (const auto& [c, m] : kCodes)
    if (c == code) return m;
  return std::nullopt;
}

}  // namespace pw::kuaidiniao
