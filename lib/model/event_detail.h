#pragma once
// What a scan says beyond its kind: who signed, and why something went wrong.
// Detection needs both (a locker signature is not a delivery to the buyer; a
// failed attempt for "no contact" and one for "address unknown" call for
// different remedies).
#include <optional>
#include <string_view>

namespace pw {

enum class SignerType {
  none,          // not a signature
  self,          // the addressee, incl. their own pickup with a pickup code
  proxy_person,  // family, friend, colleague, "他人代收"
  reception,     // gatekeeper, front desk, property office, mail room
  locker,        // 快递柜 / 丰巢
  station,       // 驿站 / pickup point
  place,         // left at a place, nobody signed: 门口, 楼道, 过道
  unknown,
};

enum class EventReason {
  none,
  no_contact,        // 无法联系, 电话无人接听
  address,           // 地址不详, 地址错误
  refused,           // 拒收
  closed,            // business closed, nobody home
  out_of_area,       // 超区
  misrouted,         // 错分, 错发
  delayed,           // 滞留, 超时未更新
  damaged,           // 破损
  lost,              // 遗失, 丢失
  customs_hold,      // 扣关, 清关异常, 待补充资料
  customs_released,  // 已清关, 放行
  not_delivered,     // a signature whose own note says it was not handed over ("周一派送")
  other,
};

std::string_view toString(SignerType t);
std::optional<SignerType> signerTypeFromString(std::string_view text);
std::string_view toString(EventReason r);
std::optional<EventReason> eventReasonFromString(std::string_view text);

}  // namespace pw
