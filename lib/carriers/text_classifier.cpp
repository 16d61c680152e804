#include "carriers/text_classifier.h"

#include <initializer_list>

namespace pw {
namespace {

using Words = std::initializer_list<std::string_view>;

bool containsAny(std::string_view text, Words words) {
  for (auto w : words)
    if (text.find(w) != std::string_view::npos) return true;
  return false;
}

struct Rule {
  EventKind kind;
  EventReason reason;  // none: ask reasonOf()
  Words any;           // at least one must appear
  Words also;          // and, if given, one of these too
  Words none;          // and none of these
};

const Words kHubWords = {"转运中心", "分拨中心", "分拨",   "集散",  "中转",
                         "处理中心", "枢纽",     "航空部", "转运场"};
// YTO names its branches "…公司"; hubs were matched before this list is used.
const Words kStationWords = {"营业部", "营业点", "营业所", "网点",   "分部",     "站点",
                             "配送站", "投递部", "服务部", "揽投部", "配送中心", "公司"};
const Words kNotSigned = {"待签收", "未签收", "签收失败", "拒绝签收", "签收异常", "无人签收"};

const Rule kRules[] = {
    {EventKind::customs,
     EventReason::customs_hold,
     {"清关异常", "扣关", "海关扣", "查验", "补充资料", "待缴税", "缴纳关税", "退运"},
     {},
     {}},
    {EventKind::customs,
     EventReason::customs_released,
     {"已清关", "清关完成", "放行", "清关成功"},
     {},
     {}},
    {EventKind::customs, EventReason::none, {"清关", "海关", "报关"}, {}, {}},
    {EventKind::refused, EventReason::refused, {"拒收", "拒签", "拒绝签收"}, {}, {}},
    {EventKind::returned,
     EventReason::none,
     {"退回签收", "退件签收", "已退回寄件人", "退签", "退回成功", "已退回至寄件人"},
     {},
     {}},
    {EventKind::returning,
     EventReason::none,
     {"退回", "退件", "返回寄件", "退货", "原件返回", "返件"},
     {},
     {}},
    {EventKind::problem,
     EventReason::misrouted,
     {"错分", "错发", "分拨错误", "误发", "发错"},
     {},
     {}},
    {EventKind::problem,
     EventReason::out_of_area,
     {"超区", "超出派送范围", "不在派送范围"},
     {},
     {}},
    {EventKind::delivery_failed,
     EventReason::none,
     {"派送不成功", "派件不成功", "投递失败", "投递未成功",   "未妥投",   "无法派送", "无法投递",
      "派送失败",   "无法联系",   "联系不上", "电话无人接听", "无人接听", "地址不详", "地址错误",
      "地址有误",   "地址不全",   "查无此人", "电话关机",     "无人签收", "签收失败", "配送失败"},
     {},
     {}},
    {EventKind::problem,
     EventReason::none,
     {"疑难", "问题件", "异常件", "破损", "破包", "遗失", "丢失", "丢件", "滞留", "延误",
      "超时未更新", "超时未签收"},
     {},
     {}},
    {EventKind::redirected,
     EventReason::none,
     {"转投", "转寄", "改派", "更改地址", "转单", "地址变更"},
     {},
     {}},
    // The courier "signs for" the parcel when collecting it: a pickup, not a delivery.
    {EventKind::picked_up,
     EventReason::none,
     {"签收"},
     {"揽收", "揽件", "收件员", "取件员", "已收寄"},
     {}},
    {EventKind::signed_,
     EventReason::none,
     {"签收", "妥投", "已取件", "已取出", "取件成功"},
     {},
     kNotSigned},
    // "已由【…自提点】代收": taken in by a proxy, which is a signature.
    {EventKind::signed_, EventReason::none, {"代收"}, {"已由", "已被"}, {"代收点"}},
    {EventKind::stored_for_pickup,
     EventReason::none,
     {"快递柜", "丰巢", "驿站", "取货码", "取件码", "自提点", "代收点", "自提柜", "智能柜",
      "已放入", "暂存", "服务站", "待取件", "请及时取件", "请凭"},
     {},
     {}},
    {EventKind::arrived_hub, EventReason::none, {"到达", "已收入", "到件", "进入"}, kHubWords, {}},
    {EventKind::arrived_delivery_station,
     EventReason::none,
     {"到达", "已收入", "到件"},
     kStationWords,
     {}},
    {EventKind::out_for_delivery,
     EventReason::none,
     {"派件", "派送", "投递", "正在为您派", "配送员", "派送员", "送货"},
     {},
     {}},
    {EventKind::picked_up,
     EventReason::none,
     {"揽收", "揽件", "已收件", "收取快件", "已收寄", "收寄", "已揽"},
     {},
     {"待揽", "等待揽", "未揽"}},
    {EventKind::info_received,
     EventReason::none,
     {"已下单", "订单信息", "待揽", "等待揽", "已打印", "电子面单", "通知快递", "已接单",
      "提交了订单"},
     {},
     {}},
    {EventKind::departed_hub,
     EventReason::none,
     {"发往", "离开", "已发出", "发出", "下一站"},
     {},
     {}},
    {EventKind::in_transit,
     EventReason::none,
     {"到达", "已收入", "运输中", "在途", "转运", "途中", "航班", "干线", "运输"},
     {},
     {}},
};

// Text after "签收人：" up to the next separator, e.g. "签收人：门卫 如有疑问" -> "门卫".
std::string signerText(std::string_view text) {
  for (auto marker : {"签收人：", "签收人:", "签收人 :", "签收人 ：", "签收人是", "签收人为"}) {
    auto at = text.find(marker);
    if (at == std::string_view::npos) continue;
    auto rest = text.substr(at + std::string_view(marker).size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    size_t end = rest.size();
    for (auto stop :
         {" ", "，", ",", "。", "；", ";", "（", "(", "【", "]", "\t", "已签收", "感谢"}) {
      auto p = rest.find(stop);
      if (p != std::string_view::npos && p < end) end = p;
    }
    return std::string(rest.substr(0, end));
  }
  return {};
}

}  // namespace

SignerType signerTypeOf(std::string_view t) {
  // "凭取货码签收" is the buyer's own pickup; "请凭取件码自提" is only an instruction.
  if (containsAny(t, {"凭取货码签收", "凭取件码签收", "取件码签收", "取货码签收", "已取件",
                      "已取出", "取件成功"}))
    return SignerType::self;
  if (containsAny(t, {"快递柜", "丰巢", "智能柜", "自提柜", "速递易", "格格柜", "投柜"}))
    return SignerType::locker;
  if (containsAny(t, {"驿站", "代收点", "自提点", "服务站", "菜鸟", "便利店", "超市", "小卖部"}))
    return SignerType::station;
  if (containsAny(t,
                  {"门卫", "前台", "物业", "收发室", "传达室", "保安", "门岗", "快递室", "值班室"}))
    return SignerType::reception;
  if (containsAny(t, {"他人代收", "代签", "代收", "家人", "朋友", "同事", "邻居", "亲属", "家属"}))
    return SignerType::proxy_person;
  if (containsAny(t, {"本人签收", "本人", "签收人：客户", "签收人:客户"})) return SignerType::self;
  return SignerType::unknown;
}

EventReason reasonOf(std::string_view t) {
  if (containsAny(t,
                  {"无法联系", "联系不上", "无人接听", "电话关机", "空号", "电话错误", "号码错误"}))
    return EventReason::no_contact;
  if (containsAny(t, {"地址不详", "地址错误", "地址有误", "地址不全", "查无此人", "地址不正确"}))
    return EventReason::address;
  if (containsAny(t, {"拒收", "拒签"})) return EventReason::refused;
  if (containsAny(t, {"超区", "超出派送范围", "不在派送范围"})) return EventReason::out_of_area;
  if (containsAny(t, {"错分", "错发", "分拨错误"})) return EventReason::misrouted;
  if (containsAny(t, {"破损", "破包"})) return EventReason::damaged;
  if (containsAny(t, {"遗失", "丢失", "丢件"})) return EventReason::lost;
  if (containsAny(t, {"滞留", "延误", "延迟", "超时未更新"})) return EventReason::delayed;
  if (containsAny(t, {"不在家", "无人", "休息", "放假", "关门", "下班", "停业"}))
    return EventReason::closed;
  return EventReason::other;
}

TextClass classifyText(std::string_view text) {
  TextClass out;
  for (const auto& r : kRules) {
    if (!containsAny(text, r.any)) continue;
    if (r.also.size() && !containsAny(text, r.also)) continue;
    if (r.none.size() && containsAny(text, r.none)) continue;
    out.kind = r.kind;
    out.reason = r.reason;
    break;
  }
  if (out.kind == EventKind::delivery_failed || out.kind == EventKind::problem) {
    if (out.reason == EventReason::none) out.reason = reasonOf(text);
  }
  if (out.kind == EventKind::signed_) {
    out.signer = signerText(text);
    out.signer_type = signerTypeOf(text);
  }
  return out;
}

}  // namespace pw
