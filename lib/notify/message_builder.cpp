#include "notify/message_builder.h"

#include "notify/card_text.h"

namespace pw::notify {

OutgoingMessage buildMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                             TimePoint now) {
  switch (sink.type) {
    case SinkType::dingtalk:
      return buildDingtalkMessage(sink, events, now);
    case SinkType::wecom:
      return buildWecomMessage(sink, events, now);
    case SinkType::feishu:
      return buildFeishuMessage(sink, events, now);
    case SinkType::webhook:
      break;
  }
  return buildWebhookMessage(sink, events.front(), now);
}

std::string digestBody(std::span<const AlertEvent> events, std::size_t count,
                       std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < count && i < events.size(); ++i) {
    out += std::to_string(i + 1) + ". " + digestLine(events[i]);
    out += separator;
  }
  out += kFooter;
  return out;
}

}  // namespace pw::notify
