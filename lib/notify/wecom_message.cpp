// WeCom group robot: a markdown message (integrations.md §2). No signing: the
// key in the URL is the credential. Content is held to 2,048 bytes.
#include "notify/card_text.h"
#include "notify/message_builder.h"
#include "notify/platform_profile.h"

#include <boost/json/serialize.hpp>

namespace pw::notify {

namespace {

std::string content(const std::string& title, const std::string& text) {
  return "### " + title + "\n" + text;
}

std::string body(const std::string& text) {
  boost::json::object o{{"msgtype", "markdown"}, {"markdown", {{"content", text}}}};
  return boost::json::serialize(o);
}

}  // namespace

OutgoingMessage buildWecomMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                                  TimePoint) {
  const auto& profile = platformProfile(SinkType::wecom);
  OutgoingMessage m;
  std::size_t k =
      events.size() == 1
          ? 1
          : largestFitting(std::min(events.size(), profile.max_digest_events),
                           profile.max_text_bytes, [&](std::size_t n) {
                             return content(digestTitle(n), digestBody(events, n, "\n"));
                           });
  if (k == 1) {
    Card card = eventCard(events.front());
    std::string heading = content(card.title, "");
    std::size_t cap = profile.max_text_bytes > heading.size()
                          ? profile.max_text_bytes - heading.size()
                          : profile.max_text_bytes / 2;
    m.request.body =
        body(utf8Truncate(content(card.title, cardBody(card, "\n", cap)), profile.max_text_bytes));
  } else {
    m.request.body = body(content(digestTitle(k), digestBody(events, k, "\n")));
    m.digest = true;
  }
  m.events = k;
  m.request.method = "POST";
  m.request.content_type = "application/json;charset=utf-8";
  m.request.timeout = sink.timeout;
  m.request.url = sink.url;
  return m;
}

}  // namespace pw::notify
