// DingTalk custom robot: a markdown message (integrations.md §1). The title
// is what the notification list shows; DingTalk's markdown needs a blank line
// to break a line.
#include "notify/card_text.h"
#include "notify/message_builder.h"
#include "notify/platform_profile.h"
#include "notify/robot_signature.h"

#include <boost/json/serialize.hpp>

namespace pw::notify {

namespace {

constexpr std::string_view kBreak = "\n\n";

std::string markdownText(const std::string& title, const std::string& fields) {
  return "#### " + title + "\n\n" + fields;
}

std::string body(const std::string& title, const std::string& text) {
  boost::json::object o{{"msgtype", "markdown"}, {"markdown", {{"title", title}, {"text", text}}}};
  return boost::json::serialize(o);
}

}  // namespace

OutgoingMessage buildDingtalkMessage(const NotifySinkConfig& sink,
                                     std::span<const AlertEvent> events, TimePoint now) {
  const auto& profile = platformProfile(SinkType::dingtalk);
  OutgoingMessage m;
  std::size_t k =
      events.size() == 1
          ? 1
          : largestFitting(std::min(events.size(), profile.max_digest_events),
                           profile.max_text_bytes, [&](std::size_t n) {
                             return markdownText(digestTitle(n), digestBody(events, n, kBreak));
                           });
  if (k == 1) {
    Card card = eventCard(events.front());
    // The heading takes room in the same text.
    std::size_t heading = markdownText(card.title, "").size();
    std::size_t cap = profile.max_text_bytes - std::min(profile.max_text_bytes / 2, heading);
    m.request.body = body(card.title, markdownText(card.title, cardBody(card, kBreak, cap)));
  } else {
    m.request.body =
        body(digestTitle(k), markdownText(digestTitle(k), digestBody(events, k, kBreak)));
    m.digest = true;
  }
  m.events = k;
  m.request.method = "POST";
  m.request.content_type = "application/json;charset=utf-8";
  m.request.timeout = sink.timeout;
  m.request.url =
      sink.secret.empty() ? sink.url : dingtalkSignedUrl(sink.url, sink.secret, unixMillis(now));
  return m;
}

}  // namespace pw::notify
