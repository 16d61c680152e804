#include "remedies/message_templates.h"

#include <fmt/args.h>
#include <fmt/format.h>

namespace pw {
namespace {

MessageSource::Args argsOf(const MessageFacts& f) {
  return {{"tracking_number", f.tracking_number},
          {"carrier_name", f.carrier_name},
          {"last_scan_time", f.last_scan_time},
          {"last_scan_place", f.last_scan_place},
          {"last_scan_text", f.last_scan_text},
          {"elapsed_hours", f.elapsed_hours},
          {"shipped_at", f.shipped_at},
          {"expected_date", f.expected_date},
          {"signer", f.signer},
          {"promised_by", f.promised_by}};
}

MessageFacts englishFacts(const MessageFacts& facts) {
  MessageFacts en = facts;
  if (!facts.carrier_name_en.empty()) en.carrier_name = facts.carrier_name_en;
  return en;
}

Result<std::string> renderText(const std::string& text, const MessageFacts& f) {
  auto args = argsOf(f);
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  for (const auto& [name, value] : args) store.push_back(fmt::arg(name.c_str(), value));
  try {
    return fmt::vformat(text, store);
  } catch (const fmt::format_error& e) {
    return makeError(ErrorCode::invalid_input, std::string("bad template: ") + e.what());
  }
}

}  // namespace

Message MessageTemplates::render(ExceptionKind kind, const MessageFacts& facts) const {
  auto it = templates_.find(kind);
  if (it == templates_.end()) {
    std::string line = std::string(toString(kind)) + ": " + facts.tracking_number;
    return Message{line, line};
  }
  // check() ran at load time, so a failure here is a bug; fall back to the raw text.
  auto zh = renderText(it->second.zh_cn, facts);
  auto en = renderText(it->second.en, englishFacts(facts));
  return Message{zh ? *zh : it->second.zh_cn, en ? *en : it->second.en};
}

std::optional<MessageSource> MessageTemplates::source(ExceptionKind kind,
                                                      const MessageFacts& facts) const {
  auto it = templates_.find(kind);
  if (it == templates_.end()) return std::nullopt;
  return MessageSource{it->second.zh_cn, it->second.en, argsOf(facts), argsOf(englishFacts(facts))};
}

Result<std::string> MessageTemplates::check(const std::string& text) {
  MessageFacts sample{
      "YT0000000000",           "圆通速递", "YTO Express",      "2024-05-03 18:40", "杭州转运中心",
      "快件已到达杭州转运中心", "61",       "2024-05-02 10:00", "2024-05-08",       "门卫",
      "2024-05-05 23:59"};
  return renderText(text, sample);
}

}  // namespace pw
