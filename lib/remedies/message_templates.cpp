#include "remedies/message_templates.h"

#include <fmt/args.h>
#include <fmt/format.h>

namespace pw {
namespace {

Result<std::string> renderText(const std::string& text, const MessageFacts& f) {
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  args.push_back(fmt::arg("tracking_number", f.tracking_number));
  args.push_back(fmt::arg("carrier_name", f.carrier_name));
  args.push_back(fmt::arg("last_scan_time", f.last_scan_time));
  args.push_back(fmt::arg("last_scan_place", f.last_scan_place));
  args.push_back(fmt::arg("last_scan_text", f.last_scan_text));
  args.push_back(fmt::arg("elapsed_hours", f.elapsed_hours));
  args.push_back(fmt::arg("shipped_at", f.shipped_at));
  args.push_back(fmt::arg("expected_date", f.expected_date));
  args.push_back(fmt::arg("signer", f.signer));
  args.push_back(fmt::arg("promised_by", f.promised_by));
  try {
    return fmt::vformat(text, args);
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
  MessageFacts enFacts = facts;
  if (!facts.carrier_name_en.empty()) enFacts.carrier_name = facts.carrier_name_en;
  auto zh = renderText(it->second.zh_cn, facts);
  auto en = renderText(it->second.en, enFacts);
  return Message{zh ? *zh : it->second.zh_cn, en ? *en : it->second.en};
}

Result<std::string> MessageTemplates::check(const std::string& text) {
  MessageFacts sample{
      "YT0000000000",           "圆通速递", "YTO Express",      "2024-05-03 18:40", "杭州转运中心",
      "快件已到达杭州转运中心", "61",       "2024-05-02 10:00", "2024-05-08",       "门卫",
      "2024-05-05 23:59"};
  return renderText(text, sample);
}

}  // namespace pw
