#include "carriers/text_classifier.h"

#include <bit>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pw {
namespace {

using Words = std::initializer_list<std::string_view>;

bool containsAny(std::string_view text, Words words) {
  for (auto w : words)
    if (text.find(w) != std::string_view::npos) return true;
  return false;
}

// Rows in Chinese match the text as written; rows in English (international
// postal scans) match its ASCII-lower-cased copy.
struct Rule {
  EventKind kind;
  EventReason reason;  // none: ask reasonOf()
  Words any;           // at least one must appear
  Words also;          // and, if given, one of these too
  Words none;          // and none of these
  bool english = false;
};

const Words kHubWords = {"转运中心", "分拨中心", "分拨",     "集散",     "中转",    "处理中心",
                         "枢纽",     "航空部",   "转运场",   "分拣中心", "分拣场",  "城配中心",
                         "操作部",   "航站",     "交付中心", "陆运中心", "仓储中心"};
// The branch that delivers; YTO names its branches "…公司", ZTO and Best
// number theirs ("长安三部"). Hubs were matched before this list is used.
const Words kStationWords = {"营业部", "营业点", "营业所", "网点",   "分部",     "站点",
                             "配送站", "投递部", "服务部", "揽投部", "配送中心", "公司",
                             "服务点", "合作点", "派送点", "一部",   "二部",     "三部",
                             "四部",   "五部",   "六部",   "七部",   "八部",     "九部"};
// Words that mention signing without being a signature: instructions to the
// buyer on an out-for-delivery scan, and failures.
const Words kNotSigned = {"待签收",   "未签收",   "签收失败", "失败签收", "拒绝签收",
                          "签收异常", "无人签收", "准备签收", "注意签收", "等待签收",
                          "请签收",   "及时签收", "验货签收", "验收签收", "方便签收",
                          "签收前",   "再签收",   "及时取出", "请取出",   "尽快取出"};
// What a pickup point says when it holds the parcel for the buyer.
const Words kCollectInstruction = {"请及时取件", "及时取件", "取件码",   "取货码", "请凭",
                                   "领取",       "请在",     "前取件",   "来取",   "保管",
                                   "请前往",     "到店取件", "上门自提", "请自提", "尽快取件"};
// The buyer's own collection, whoever the text names beside it.
const Words kSelfPickup = {"凭取货码签收", "凭取件码签收", "取件码签收", "取货码签收",
                           "已取件",       "已取出",       "取件成功",   "已取走",
                           "取走邮件",     "已领取",       "柜取出",     "站取出"};
const Words kStorePlaces = {"快递柜", "丰巢",       "驿站",   "取货码",   "取件码",   "自提点",
                            "代收点", "自提柜",     "智能柜", "已放入",   "暂存",     "服务站",
                            "待取件", "请及时取件", "请凭",   "快递超市", "快递之家", "代理点",
                            "快件箱", "智能快件箱", "投柜",   "入柜",     "邻里"};

const Rule kRules[] = {
    // An advisory to every buyer ("因天气原因，派送可能延误") says nothing about
    // where this parcel is.
    {EventKind::unknown,
     EventReason::none,
     {"可能延误", "或将延误", "可能会延误", "可能延迟"},
     {},
     {}},
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
    {EventKind::customs,
     EventReason::customs_hold,
     {"held by customs", "customs hold"},
     {},
     {},
     true},
    {EventKind::customs,
     EventReason::customs_released,
     {"released from customs", "customs clearance completed", "cleared customs"},
     {},
     {},
     true},
    {EventKind::customs, EventReason::none, {"customs"}, {}, {}, true},
    // "退回中，退回原因：收件人拒收": the parcel is on its way back, the refusal is
    // why (the refused rule reads it from the reason).
    {EventKind::refused,
     EventReason::refused,
     {"拒收", "拒签", "拒绝签收"},
     {},
     {"退回中", "退回原因", "正在退回", "退回途中", "退件中"}},
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
    {EventKind::returning,
     EventReason::none,
     {"return to sender", "returned to sender"},
     {},
     {},
     true},
    {EventKind::problem,
     EventReason::misrouted,
     {"错分", "错发", "分拨错误", "误发", "发错"},
     {},
     {}},
    {EventKind::problem,
     EventReason::out_of_area,
     // "超派" (outside the outlet's delivery range) is how branches put it on an
     // out-for-delivery scan: it must win over that scan's "派件中". A
     // signature that mentions it is still a signature.
     {"超区", "超出派送范围", "不在派送范围", "超派"},
     {},
     {"已签收", "签收人", "妥投"}},
    {EventKind::delivery_failed,
     EventReason::none,
     {"派送不成功", "派件不成功", "投递失败", "投递未成功", "未妥投",       "无法派送",
      "无法投递",   "派送失败",   "无法联系", "联系不上",   "电话无人接听", "无人接听",
      "地址不详",   "地址错误",   "地址有误", "地址不全",   "查无此人",     "电话关机",
      "无人签收",   "签收失败",   "失败签收", "配送失败",   "派送未成功",   "投递不成功"},
     {},
     {}},
    {EventKind::delivery_failed,
     EventReason::none,
     {"delivery attempt", "unable to deliver", "undeliverable", "delivery failed",
      "addressee not available", "not delivered"},
     {},
     {},
     true},
    {EventKind::problem,
     EventReason::none,
     {"疑难", "问题件", "异常件", "破损", "破包", "遗失", "丢失", "丢件", "滞留", "延误",
      "超时未更新", "超时未签收", "拦截"},
     {},
     // An advisory ("因天气原因，派送可能延误") is not a problem with this parcel.
     {"可能", "或将", "如有延误", "预计"}},
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
    // J&T: "【XX网点】的快递员【张三】已取件" is the courier collecting it.
    {EventKind::picked_up,
     EventReason::none,
     {"已取件"},
     {"快递员", "业务员", "取件员", "收件员", "揽收员"},
     {"收件人", "客户", "您已", "取件码", "取货码", "驿站", "柜", "代收点", "签收"}},
    // A pickup point taking the parcel in for the buyer is storage however it
    // is phrased ("已由…驿站代收，请及时取件", "送达…保管，请及时领取"): the buyer
    // still has to collect it.
    {EventKind::stored_for_pickup,
     EventReason::none,
     {"代收", "代签收", "送达", "投递到", "存放", "已放"},
     kCollectInstruction,
     {"已签收", "签收人", "已取", "取走", "已领取"}},
    {EventKind::signed_,
     EventReason::none,
     {"签收", "妥投", "已取件", "已取出", "取件成功", "已取走", "取走邮件", "已领取", "取出"},
     {},
     kNotSigned},
    // "已由【…自提柜】代收", "您的快件已由亲属代收": taken in by a proxy, which is a signature.
    {EventKind::signed_, EventReason::none, {"代收"}, {"已由", "已被"}, {"代收点"}},
    {EventKind::signed_,
     EventReason::none,
     {"delivered", "signed for"},
     {},
     {"not delivered"},
     true},
    {EventKind::stored_for_pickup, EventReason::none, kStorePlaces, {}, {}},
    {EventKind::stored_for_pickup,
     EventReason::none,
     {"available for pickup", "awaiting collection", "ready for collection", "parcel locker"},
     {},
     {},
     true},
    {EventKind::arrived_hub,
     EventReason::none,
     {"到达", "已收入", "到件", "进入", "分拣完成", "已收箱", "卸车"},
     kHubWords,
     {}},
    // "已到达【XX网点】，快递员正在派件": the later step is where it is now.
    {EventKind::arrived_delivery_station,
     EventReason::none,
     {"到达", "已收入", "到件", "收货完成"},
     kStationWords,
     {"正在派", "正在为您派", "派件中"}},
    {EventKind::out_for_delivery,
     EventReason::none,
     {"派件", "派送", "投递", "正在为您派", "配送员", "派送员", "送货", "配送中"},
     {},
     {}},
    {EventKind::out_for_delivery,
     EventReason::none,
     {"out for delivery", "with courier"},
     {},
     {},
     true},
    {EventKind::picked_up,
     EventReason::none,
     {"揽收", "揽件", "已收件", "收取快件", "已收寄", "已揽"},
     {},
     {"待揽", "等待揽", "未揽", "揽收任务"}},
    {EventKind::info_received,
     EventReason::none,
     {"已下单", "订单信息",   "待揽",     "等待揽",   "已打印",     "电子面单", "通知快递",
      "已接单", "提交了订单", "提交订单", "揽收任务", "商家已发货", "卖家发货", "已发货",
      "出库",   "配货",       "拣货",     "下单",     "验货完成",   "打包完成", "订单确认"},
     {},
     {}},
    {EventKind::info_received,
     EventReason::none,
     {"information was created", "electronic information", "shipment information received",
      "pre-advice", "label created", "order received"},
     {},
     {},
     true},
    {EventKind::picked_up,
     EventReason::none,
     {"acceptance", "accepted", "picked up", "collected"},
     {},
     {},
     true},
    {EventKind::departed_hub,
     EventReason::none,
     {"发往", "离开", "已发出", "发出", "下一站", "已发车", "装车", "司机收箱"},
     {},
     {"运输中"}},
    {EventKind::departed_hub,
     EventReason::none,
     {"despatched", "dispatched", "departed", "forwarded", "to leave", "left the"},
     {},
     {},
     true},
    {EventKind::in_transit,
     EventReason::none,
     {"到达", "已收入", "运输中", "在途", "转运", "途中", "航班", "干线", "运输", "装袋", "打包",
      "分拣", "建包"},
     {},
     {}},
    {EventKind::in_transit,
     EventReason::none,
     {"arrive", "arrival", "received", "in transit", "flight", "airline", "uplifted", "sorting",
      "processed", "process completed", "exchange", "interchange", "ready for ship", "reception",
      "has been opened", "has been closed", "export", "import"},
     {},
     {},
     true},
};

// Best Express writes arrivals as "到重庆市【空港一部】": the verb alone, first.
bool arrivalVerbFirst(std::string_view text) {
  constexpr std::string_view kTo = "到";
  if (!text.starts_with(kTo)) return false;
  auto bracket = text.find("【");
  return bracket != std::string_view::npos && bracket < 24;
}

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool hasAsciiLetter(std::string_view text) {
  for (char c : text)
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  return false;
}

// A phone number or code in parentheses inside a phrase ("已签(13800000000)收",
// "签收人(13800000000)是"): carriers splice them in; they only hide the words.
std::string withoutNumbersInParens(std::string_view text) {
  // Most texts have no parenthesis: copied whole, not a byte at a time.
  std::size_t first = text.find('(');
  if (first == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  out.append(text.substr(0, first));
  for (std::size_t i = first; i < text.size(); ++i) {
    if (text[i] == '(') {
      std::size_t j = i + 1;
      while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == '-' ||
                                 text[j] == ',' || text[j] == ' '))
        ++j;
      if (j < text.size() && text[j] == ')' && j > i + 1) {
        i = j;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Text after "签收人：" up to the next separator, e.g. "签收人：门卫 如有疑问" -> "门卫";
// "签收人是【前台代签】" -> "前台代签".
std::string signerText(std::string_view text) {
  for (auto marker : {"签收人：", "签收人:", "签收人 :", "签收人 ：", "签收人是", "签收人为",
                      "签收人在：", "签收人在:"}) {
    auto at = text.find(marker);
    if (at == std::string_view::npos) continue;
    auto rest = text.substr(at + std::string_view(marker).size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    constexpr std::string_view kOpen = "【", kClose = "】";
    if (rest.starts_with(kOpen)) {
      rest.remove_prefix(kOpen.size());
      auto close = rest.find(kClose);
      return std::string(rest.substr(0, close));
    }
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

// A signer "note" that says the parcel was not handed over yet (a weekday
// named for the delivery: the courier closed it on Sunday and delivers Monday).
bool notHandedOver(std::string_view signer) {
  if (signer.empty()) return false;
  return containsAny(signer, {"周一",   "周二", "周三", "周四", "周五",   "周六", "周日",
                              "明天",   "明日", "下周", "改天", "次日",   "再派", "再送",
                              "未送达", "未送", "没送", "待派", "未收到", "改约"}) &&
         !containsAny(signer, {"已收到", "本人"});
}

}  // namespace

SignerType signerTypeOf(std::string_view t) {
  // "凭取货码签收" is the buyer's own pickup; "请凭取件码自提" is only an instruction.
  if (containsAny(t, kSelfPickup)) return SignerType::self;
  // A place the customer named for delivery is the customer's own choice.
  if (containsAny(t, {"客户指定", "指定地点", "指定位置"})) return SignerType::self;
  // Left at a place, no person signed (a corridor, a doorstep).
  if (containsAny(t, {"门口", "过道", "楼道", "走廊", "电井", "车库", "信箱", "邮箱", "楼下",
                      "门外", "阳台", "放在", "放置", "鞋柜", "楼梯", "院内", "门边", "储物"}))
    return SignerType::place;
  if (containsAny(t, {"快递柜", "丰巢", "智能柜", "自提柜", "速递易", "格格柜", "投柜", "快件箱",
                      "快递箱", "入柜"}))
    return SignerType::locker;
  if (containsAny(t, {"驿站", "代收点", "自提点", "服务站", "菜鸟", "便利店", "超市", "小卖部",
                      "快递之家", "代理点", "合作点", "门店", "邻里"}))
    return SignerType::station;
  if (containsAny(t, {"门卫", "前台", "物业", "收发室", "收发章", "传达室", "保安", "门岗",
                      "快递室", "值班室", "岗亭", "大堂", "宿管"}))
    return SignerType::reception;
  if (containsAny(t, {"他人", "代签", "代收", "家人", "朋友", "同事", "邻居", "亲属", "家属",
                      "室友", "同学", "亲戚"}))
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
  if (containsAny(t, {"超区", "超出派送范围", "不在派送范围", "超派"}))
    return EventReason::out_of_area;
  if (containsAny(t, {"错分", "错发", "分拨错误"})) return EventReason::misrouted;
  if (containsAny(t, {"破损", "破包"})) return EventReason::damaged;
  if (containsAny(t, {"遗失", "丢失", "丢件"})) return EventReason::lost;
  if (containsAny(t, {"滞留", "延误", "延迟", "超时未更新"})) return EventReason::delayed;
  if (containsAny(t, {"不在家", "无人", "休息", "放假", "关门", "下班", "停业"}))
    return EventReason::closed;
  return EventReason::other;
}

namespace {

// The rules' words, looked for in one pass over a text instead of a search
// of the whole text per word (most of a push's decode went to those): at
// each byte, only the words that start with that byte and the next are
// compared. A word occurs in the text exactly when text.find(word) would
// find it, so the rules read as before.
class WordIndex {
 public:
  static constexpr std::size_t kMaxWords = 640;
  using Found = std::bitset<kMaxWords>;

  /// The set of `words`, each added if new.
  Found add(Words words) {
    Found set;
    for (auto w : words) set.set(idOf(w));
    return set;
  }
  /// Builds the lookup once every word was added.
  void seal() {
    start_.assign(kPrefixes + 1, 0);
    for (const auto& [w, id] : words_) ++start_[prefixOf(w) + 1];
    for (std::size_t p = 0; p < kPrefixes; ++p) start_[p + 1] += start_[p];
    by_prefix_.resize(words_.size());
    std::vector<std::uint32_t> next(start_.begin(), start_.end() - 1);
    for (const auto& [w, id] : words_) {
      std::uint32_t mask = w.size() >= 4 ? 0xFFFFFFFFu : (1u << (8 * w.size())) - 1;
      by_prefix_[next[prefixOf(w)]++] = {w, id, headOf(w), mask};
    }
  }
  Found find(std::string_view text) const {
    Found found;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i + 2 <= text.size(); ++i) {
      std::size_t p = (std::size_t{bytes[i]} << 8) | bytes[i + 1];
      if (start_[p] == start_[p + 1]) continue;
      // A Chinese character's first two bytes are shared by 64 characters: the words under
      // one prefix are told apart by their first four bytes before any is compared whole
      // (a memcmp per candidate was a fifth of classifyText's instructions).
      std::uint32_t head = headOf(text.substr(i));
      for (auto k = start_[p]; k < start_[p + 1]; ++k) {
        const Entry& e = by_prefix_[k];
        if ((head & e.mask) != e.head || found[e.id] || text.size() - i < e.word.size()) continue;
        if (e.word.size() <= 4 ||
            std::memcmp(text.data() + i + 4, e.word.data() + 4, e.word.size() - 4) == 0)
          found.set(e.id);
      }
    }
    return found;
  }

 private:
  static constexpr std::size_t kPrefixes = 1 << 16;
  struct Entry {
    std::string_view word;
    std::size_t id;
    std::uint32_t head;  // its first four bytes (fewer, and zeros, if shorter)
    std::uint32_t mask;  // the bytes of `head` that are the word's
  };
  // Up to four bytes from the start of `s`, the first in the lowest byte, zeros after its end.
  static std::uint32_t headOf(std::string_view s) {
    std::uint32_t h = 0;
    for (std::size_t b = 0; b < 4 && b < s.size(); ++b)
      h |= std::uint32_t{static_cast<unsigned char>(s[b])} << (8 * b);
    return h;
  }
  static std::size_t prefixOf(std::string_view w) {
    return (std::size_t{static_cast<unsigned char>(w[0])} << 8) | static_cast<unsigned char>(w[1]);
  }
  std::size_t idOf(std::string_view w) {
    // Every word is at least two bytes (one Chinese character is three).
    if (w.size() < 2) throw std::logic_error("text classifier word shorter than two bytes");
    for (const auto& [known, id] : words_)
      if (known == w) return id;
    if (words_.size() == kMaxWords) throw std::logic_error("text classifier: too many words");
    words_.emplace_back(w, words_.size());
    return words_.size() - 1;
  }
  std::vector<std::pair<std::string_view, std::size_t>> words_;
  std::vector<std::uint32_t> start_;  // by prefix: where its words start in by_prefix_
  std::vector<Entry> by_prefix_;
};

using RuleSet = std::uint64_t;  // bit i: kRules[i]
static_assert(std::size(kRules) <= 64, "RuleSet holds one bit a rule");

struct CompiledRules {
  struct One {
    WordIndex::Found any, also, none;
  };
  WordIndex index;
  std::vector<One> rules;  // kRules' order
  WordIndex::Found hub;
  // By word: the rules whose `any` lists it, those read in the text as it is
  // and the English ones read in lower case. A text holds a handful of the
  // words, so the rules it can match are found from them: testing every rule's
  // sets against the text's was a third of classifyText's instructions.
  std::vector<RuleSet> text_rules, lower_rules;

  CompiledRules() {
    for (const auto& r : kRules)
      rules.push_back({index.add(r.any), index.add(r.also), index.add(r.none)});
    hub = index.add(kHubWords);
    index.seal();
    text_rules.assign(WordIndex::kMaxWords, 0);
    lower_rules.assign(WordIndex::kMaxWords, 0);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      auto& by = kRules[i].english ? lower_rules : text_rules;
      const auto& any = rules[i].any;
      for (auto w = any._Find_first(); w < any.size(); w = any._Find_next(w))
        by[w] |= RuleSet{1} << i;
    }
  }

  /// The rules that some word of `found` is one of the `any` words of.
  static RuleSet candidates(const WordIndex::Found& found, const std::vector<RuleSet>& by) {
    RuleSet out = 0;
    for (auto w = found._Find_first(); w < found.size(); w = found._Find_next(w)) out |= by[w];
    return out;
  }
};

const CompiledRules& compiledRules() {
  static const CompiledRules compiled;
  return compiled;
}

}  // namespace

TextClass classifyText(std::string_view raw) {
  TextClass out;
  std::string text = withoutNumbersInParens(raw);
  std::string lower;
  bool english = hasAsciiLetter(text);
  if (english) lower = asciiLower(text);
  const auto& compiled = compiledRules();
  const WordIndex::Found inText = compiled.index.find(text);
  const WordIndex::Found inLower = english ? compiled.index.find(lower) : WordIndex::Found();
  // Rules in kRules' order, the first that holds: only those one of whose
  // `any` words is in the text can.
  RuleSet candidates = CompiledRules::candidates(inText, compiled.text_rules);
  if (english) candidates |= CompiledRules::candidates(inLower, compiled.lower_rules);
  for (; candidates != 0; candidates &= candidates - 1) {
    auto i = static_cast<std::size_t>(std::countr_zero(candidates));
    const auto& r = kRules[i];
    const auto& c = compiled.rules[i];
    const auto& found = r.english ? inLower : inText;
    if (r.also.size() && (found & c.also).none()) continue;
    if (r.none.size() && (found & c.none).any()) continue;
    out.kind = r.kind;
    out.reason = r.reason;
    break;
  }
  if ((out.kind == EventKind::in_transit || out.kind == EventKind::unknown) &&
      arrivalVerbFirst(text))
    out.kind = (inText & compiled.hub).any() ? EventKind::arrived_hub
                                             : EventKind::arrived_delivery_station;
  if (out.kind == EventKind::delivery_failed || out.kind == EventKind::problem) {
    if (out.reason == EventReason::none) out.reason = reasonOf(text);
  }
  if (out.kind == EventKind::signed_) {
    out.signer = signerText(text);
    // The signer as written decides, unless the text says the buyer collected
    // it ("签收人在：XX门店(签收人凭取货码签收) 领取").
    out.signer_type = containsAny(text, kSelfPickup) ? SignerType::self : signerTypeOf(out.signer);
    if (out.signer_type == SignerType::unknown) out.signer_type = signerTypeOf(text);
    if (notHandedOver(out.signer)) out.reason = EventReason::not_delivered;
  }
  return out;
}

}  // namespace pw
