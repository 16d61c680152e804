#include "notify/card_text.h"

#include "model/carrier_names.h"

#include <algorithm>

namespace pw::notify {

namespace {

// Carrier text and templates may hold line breaks; a card field is one line.
std::string oneLine(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

std::string renderFields(const Card& card, std::string_view separator) {
  std::string out;
  for (const auto& [label, value] : card.fields) {
    out.append("**").append(label).append("**：").append(value);
    out.append(separator);
  }
  out.append(kFooter);
  return out;
}

}  // namespace

std::string_view kindLabelZh(ExceptionKind kind) {
  switch (kind) {
    case ExceptionKind::invalid_number:
      return "单号无效";
    case ExceptionKind::not_picked_up:
      return "未揽收";
    case ExceptionKind::stalled:
      return "物流停滞";
    case ExceptionKind::delivery_overdue:
      return "派送超时";
    case ExceptionKind::delivery_failed:
      return "派送失败";
    case ExceptionKind::pickup_overdue:
      return "超时未取件";
    case ExceptionKind::refused:
      return "拒收";
    case ExceptionKind::returned:
      return "退回";
    case ExceptionKind::customs_hold:
      return "海关扣留";
    case ExceptionKind::problem:
      return "问题件";
    case ExceptionKind::misrouted:
      return "错分";
    case ExceptionKind::proxy_signed:
      return "他人代签";
    case ExceptionKind::false_signed:
      return "疑似虚假签收";
    case ExceptionKind::promise_at_risk:
      return "承诺时效风险";
  }
  return "异常";
}

std::string_view remedyLabelZh(Remedy remedy) {
  switch (remedy) {
    case Remedy::soothe_and_wait:
      return "安抚并等待";
    case Remedy::contact_carrier:
      return "联系快递公司";
    case Remedy::redeliver:
      return "安排再次派送";
    case Remedy::reship:
      return "补发";
    case Remedy::refund:
      return "退款";
    case Remedy::recall_and_refund:
      return "拦截并退款";
    case Remedy::compensate:
      return "补偿";
    case Remedy::remind_pickup:
      return "提醒取件";
    case Remedy::confirm_address:
      return "核实地址";
    case Remedy::manual_review:
      return "人工审核";
  }
  return "人工审核";
}

std::string_view eventLabelZh(AlertEventName name) {
  switch (name) {
    case AlertEventName::task_raised:
      return "新任务";
    case AlertEventName::task_updated:
      return "任务更新";
    case AlertEventName::task_closed:
      return "任务关闭";
    case AlertEventName::exception_raised:
      return "新异常";
    case AlertEventName::exception_updated:
      return "异常更新";
    case AlertEventName::exception_resolved:
      return "异常解除";
    case AlertEventName::test:
      return "测试消息";
  }
  return "通知";
}

std::string_view stateLabelZh(TaskState state) {
  switch (state) {
    case TaskState::open:
      return "待处理";
    case TaskState::acked:
      return "已认领";
    case TaskState::done:
      return "已完成";
    case TaskState::dismissed:
      return "已忽略";
  }
  return "未知";
}

Card eventCard(const AlertEvent& e) {
  Card c;
  c.title = "【" + std::string(eventLabelZh(e.name)) + "】" + std::string(kindLabelZh(e.kind)) +
            " " + e.tracking_number;
  c.fields.emplace_back("运单", e.tracking_number + "（" + carrierDisplayName(e.carrier) + "）");
  c.fields.emplace_back("异常", std::string(kindLabelZh(e.kind)));
  if (!e.detail.empty()) c.fields.emplace_back("证据", oneLine(e.detail));
  if (e.remedy) {
    std::string remedy(remedyLabelZh(*e.remedy));
    if (!e.reason.empty()) remedy += "：" + oneLine(e.reason);
    c.fields.emplace_back("建议处理", remedy);
  }
  if (!e.message.zh_cn.empty()) c.fields.emplace_back("建议话术", oneLine(e.message.zh_cn));
  if (e.state) c.fields.emplace_back("任务状态", std::string(stateLabelZh(*e.state)));
  if (!e.outcome.empty()) c.fields.emplace_back("处理结果", oneLine(e.outcome));
  if (e.task_id) c.fields.emplace_back("任务编号", std::to_string(*e.task_id));
  return c;
}

std::string digestLine(const AlertEvent& e) {
  std::string line = "【" + std::string(eventLabelZh(e.name)) + "】" +
                     std::string(kindLabelZh(e.kind)) + " " + e.tracking_number + "（" +
                     carrierDisplayName(e.carrier) + "）";
  if (!e.detail.empty()) line += "：" + utf8Truncate(oneLine(e.detail), 90);
  if (e.remedy) line += " → " + std::string(remedyLabelZh(*e.remedy));
  if (e.state && e.name != AlertEventName::task_raised)
    line += " · " + std::string(stateLabelZh(*e.state));
  return line;
}

std::string digestTitle(std::size_t events) {
  return "parcelwatch 物流通知汇总（" + std::to_string(events) + " 条）";
}

std::string utf8Truncate(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  static constexpr std::string_view kEllipsis = "…";
  if (maxBytes < kEllipsis.size()) return {};
  std::size_t cut = maxBytes - kEllipsis.size();
  // Back up over continuation bytes (10xxxxxx) to a character's first byte.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

std::string cardBody(const Card& card, std::string_view separator, std::size_t maxBytes) {
  std::string out = renderFields(card, separator);
  if (maxBytes == 0 || out.size() <= maxBytes) return out;
  Card shortened = card;
  // Shorten the longest value, again and again, down to a floor that still
  // says something; then cut the whole text as a last resort.
  constexpr std::size_t kFloor = 48;
  while (out.size() > maxBytes) {
    auto longest = std::max_element(
        shortened.fields.begin(), shortened.fields.end(),
        [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
    if (longest == shortened.fields.end() || longest->second.size() <= kFloor) break;
    std::size_t over = out.size() - maxBytes;
    std::size_t target =
        longest->second.size() > over + kFloor ? longest->second.size() - over : kFloor;
    longest->second = utf8Truncate(longest->second, target);
    out = renderFields(shortened, separator);
  }
  if (out.size() > maxBytes) out = utf8Truncate(out, maxBytes);
  return out;
}

}  // namespace pw::notify
