#include "carriers/text_classifier.h"

#include <initializer_list>

namespace pw {
namespace {

struct Rule {
  EventKind kind;
  std::initializer_list<std::string_view> any;   // at least one must appear
  std::initializer_list<std::string_view> also;  // and, if given, one of these too
  std::initializer_list<std::string_view> none;  // and none of these
};

bool containsAny(std::string_view text, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (text.find(w) != std::string_view::npos) return true;
  return false;
}

const Rule kRules[] = {
    {EventKind::refused, {"拒收", "拒签"}, {}, {}},
    {EventKind::returned, {"退回签收", "退件签收", "已退回寄件人", "退签"}, {}, {}},
    {EventKind::returning, {"退回", "退件", "返回寄件", "退货"}, {}, {}},
    {EventKind::delivery_failed,
     {"派送不成功", "派件不成功", "投递失败", "未妥投", "无法联系", "电话无人接听", "地址不详",
      "联系不上", "无人签收"},
     {},
     {}},
    {EventKind::problem,
     {"疑难", "问题件", "破损", "遗失", "丢失", "滞留", "错分", "超区"},
     {},
     {}},
    {EventKind::redirected, {"转投", "转寄", "改派"}, {}, {}},
    {EventKind::customs, {"清关", "海关"}, {}, {}},
    {EventKind::signed_, {"签收"}, {}, {"待签收", "未签收"}},
    {EventKind::stored_for_pickup,
     {"快递柜", "丰巢", "驿站", "取货码", "自提点", "代收点"},
     {},
     {}},
    {EventKind::out_for_delivery, {"派件", "派送", "投递", "正在为您派"}, {}, {}},
    {EventKind::picked_up,
     {"揽收", "揽件", "已收件", "收取快件", "已收寄"},
     {},
     {"待揽", "等待揽"}},
    {EventKind::info_received, {"已下单", "订单信息", "待揽", "等待揽", "已打印"}, {}, {}},
    {EventKind::arrived_hub,
     {"到达", "已收入", "到件"},
     {"转运中心", "分拨", "集散", "中转", "处理中心", "枢纽"},
     {}},
    {EventKind::departed_hub, {"发往", "离开", "已发出", "发出", "发件"}, {}, {}},
    {EventKind::in_transit, {"到达", "已收入", "运输中", "在途", "转运"}, {}, {}},
};

}  // namespace

EventKind classifyText(std::string_view text) {
  for (const auto& r : kRules) {
    if (!containsAny(text, r.any)) continue;
    if (r.also.size() && !containsAny(text, r.also)) continue;
    if (r.none.size() && containsAny(text, r.none)) continue;
    return r.kind;
  }
  return EventKind::unknown;
}

}  // namespace pw
