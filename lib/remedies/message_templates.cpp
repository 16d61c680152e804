#include "remedies/message_templates.h"

#include <fmt/format.h>

#include <utility>

namespace pw {
namespace {

// The facts by name, in one list for both uses: `use` gets them as (name, text) pairs,
// with `carrierName` for carrier_name (the English messages take carrier_name_en).
template <class Use>
decltype(auto) withNamedFacts(const MessageFacts& f, const std::string& carrierName, Use&& use) {
  using Fact = std::pair<const char*, const std::string&>;
  return use(Fact{"tracking_number", f.tracking_number}, Fact{"carrier_name", carrierName},
             Fact{"last_scan_time", f.last_scan_time}, Fact{"last_scan_place", f.last_scan_place},
             Fact{"last_scan_text", f.last_scan_text}, Fact{"elapsed_hours", f.elapsed_hours},
             Fact{"shipped_at", f.shipped_at}, Fact{"expected_date", f.expected_date},
             Fact{"signer", f.signer}, Fact{"promised_by", f.promised_by});
}

MessageSource::Args argsOf(const MessageFacts& f, const std::string& carrierName) {
  return withNamedFacts(f, carrierName, [](const auto&... fact) {
    return MessageSource::Args{{fact.first, fact.second}...};
  });
}

const std::string& englishCarrierName(const MessageFacts& f) {
  return f.carrier_name_en.empty() ? f.carrier_name : f.carrier_name_en;
}

// Named arguments by reference: fmt's dynamic argument store copied each name and each
// value into a node of its own, for both messages of every task raised
// (MessageTemplates::render was 5.0 % of the writer's instructions in a first poll round,
// 1.2 % after; callgrind, tests/bench/README.md).
Result<std::string> renderText(const std::string& text, const MessageFacts& f,
                               const std::string& carrierName) {
  try {
    return withNamedFacts(f, carrierName, [&](const auto&... fact) {
      return fmt::vformat(text, fmt::make_format_args(fmt::arg(fact.first, fact.second)...));
    });
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
  return MessageSource{it->second.zh_cn, it->second.en, argsOf(facts, facts.carrier_name),
                       argsOf(facts, englishCarrierName(facts))};
}

Result<std::string> MessageTemplates::check(const std::string& text) {
  MessageFacts sample{
      "YT0000000000",           "圆通速递", "YTO Express",      "2024-05-03 18:40", "杭州转运中心",
      "快件已到达杭州转运中心", "61",       "2024-05-02 10:00", "2024-05-08",       "门卫",
      "2024-05-05 23:59"};
  return renderText(text, sample, sample.carrier_name);
}

}  // namespace pw
