// Feishu/Lark custom bot: an interactive card (integrations.md §3), header
// coloured by what happened, the fields as lark_md. With a secret, the
// timestamp (seconds, as a string) and sign go in the body. The whole body
// is held to 20,000 bytes.
#include "notify/card_text.h"
#include "notify/message_builder.h"
#include "notify/platform_profile.h"
#include "notify/robot_signature.h"

#include <boost/json/serialize.hpp>

namespace pw::notify {

namespace {

std::string_view colour(AlertEventName name) {
  switch (name) {
    case AlertEventName::task_raised:
    case AlertEventName::exception_raised:
      return "red";
    case AlertEventName::task_updated:
    case AlertEventName::exception_updated:
      return "orange";
    case AlertEventName::task_closed:
    case AlertEventName::exception_resolved:
      return "green";
    case AlertEventName::test:
      break;
  }
  return "blue";
}

std::string body(const NotifySinkConfig& sink, const std::string& title, std::string_view template_,
                 const std::string& text, TimePoint now) {
  boost::json::object card{
      {"header", {{"title", {{"tag", "plain_text"}, {"content", title}}}, {"template", template_}}},
      {"elements",
       boost::json::array{{{"tag", "div"}, {"text", {{"tag", "lark_md"}, {"content", text}}}}}}};
  boost::json::object o;
  if (!sink.secret.empty()) {
    std::int64_t t = unixSeconds(now);
    o["timestamp"] = std::to_string(t);
    o["sign"] = feishuSign(sink.secret, t);
  }
  o["msg_type"] = "interactive";
  o["card"] = std::move(card);
  return boost::json::serialize(o);
}

}  // namespace

OutgoingMessage buildFeishuMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                                   TimePoint now) {
  const auto& profile = platformProfile(SinkType::feishu);
  OutgoingMessage m;
  auto digest = [&](std::size_t n) {
    return body(sink, digestTitle(n), "orange", digestBody(events, n, "\n"), now);
  };
  std::size_t k = events.size() == 1
                      ? 1
                      : largestFitting(std::min(events.size(), profile.max_digest_events),
                                       profile.max_body_bytes, digest);
  if (k == 1) {
    const AlertEvent& e = events.front();
    Card card = eventCard(e);
    // JSON quoting can grow text a little; keep a wide margin under the cap.
    std::size_t cap = profile.max_body_bytes * 3 / 4;
    m.request.body = body(sink, card.title, colour(e.name), cardBody(card, "\n", cap), now);
    while (m.request.body.size() > profile.max_body_bytes && cap > 256) {
      cap /= 2;
      m.request.body = body(sink, card.title, colour(e.name), cardBody(card, "\n", cap), now);
    }
  } else {
    m.request.body = digest(k);
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
