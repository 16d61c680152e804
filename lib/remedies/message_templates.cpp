#include "remedies/message_templates.h"

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

const std::string& englishCarrierName(const MessageFacts& f) {
  return f.carrier_name_en.empty() ? f.carrier_name : f.carrier_name_en;
}

MessageFacts englishFacts(const MessageFacts& facts) {
  MessageFacts en = facts;
  en.carrier_name = englishCarrierName(facts);
  return en;
}

// The facts by name, by reference: a dynamic argument store copied each name and each value
// into a node of its own, for both messages of every task raised (5 % of the writer's
// instructions in a first poll round). The names are argsOf's.
Result<std::string> renderText(const std::string& text, const MessageFacts& f,
                               const std::string& carrierName) {
  try {
    return fmt::vformat(text, fmt::make_format_args(fmt::arg("tracking_number", f.tracking_number),
                                                    fmt::arg("carrier_name", carrierName),
                                                    fmt::arg("last_scan_time", f.last_scan_time),
                                                    fmt::arg("last_scan_place", f.last_scan_place),
                                                    fmt::arg("last_scan_text", f.last_scan_text),
                                                    fmt::arg("elapsed_hours", f.elapsed_hours),
                                                    fmt::arg("shipped_at", f.shipped_at),
                                                    fmt::arg("expected_date", f.expected_date),
                                                    fmt::arg("signer", f.signer),
                                                    fmt::arg("promised_by", f.promised_by)));
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
  auto zh = renderText(it->second.zh_cn, facts, facts.carrier_name);
  auto en = renderText(it->second.en, facts, englishCarrierName(facts));
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
  return renderText(text, sample, sample.carrier_name);
}

}  // namespace pw
