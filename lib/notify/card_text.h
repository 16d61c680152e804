#pragma once
// The words of a robot message, shared by the three platforms: a concise
// zh-CN card per event (what happened to which parcel, the evidence, the
// suggested remedy and buyer message) and one line per event in a digest.
// Every message ends with kFooter, so a robot secured by custom keywords
// accepts it when "parcelwatch" or "物流" is one of them.
#include "notify/alert_event.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pw::notify {

inline constexpr std::string_view kFooter = "— parcelwatch 物流通知";

std::string_view kindLabelZh(ExceptionKind kind);
std::string_view remedyLabelZh(Remedy remedy);
std::string_view eventLabelZh(AlertEventName name);
std::string_view stateLabelZh(TaskState state);

struct Card {
  std::string title;  // "【新任务】物流停滞 YT7400000000001"
  std::vector<std::pair<std::string, std::string>> fields;  // label, value; in order
};

Card eventCard(const AlertEvent& event);
/// "【新任务】物流停滞 YT7400000000001（圆通速递）：evidence → 安抚等待"
std::string digestLine(const AlertEvent& event);
std::string digestTitle(std::size_t events);

/// At most maxBytes, cut at a UTF-8 character boundary, "…" marking a cut.
std::string utf8Truncate(std::string_view text, std::size_t maxBytes);

/// "**label**：value" lines joined by `separator`, then the footer, within
/// maxBytes (0: no cap): the longest values are shortened first, labels never.
std::string cardBody(const Card& card, std::string_view separator, std::size_t maxBytes);

}  // namespace pw::notify
