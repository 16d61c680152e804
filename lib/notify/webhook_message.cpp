#include "notify/message_builder.h"
#include "notify/webhook_signature.h"

#include <boost/json/serialize.hpp>

namespace pw::notify {

OutgoingMessage buildWebhookMessage(const NotifySinkConfig& sink, const AlertEvent& event,
                                    TimePoint now) {
  OutgoingMessage m;
  m.events = 1;
  m.request.method = "POST";
  m.request.url = sink.url;
  m.request.content_type = "application/json";
  m.request.body = boost::json::serialize(toJson(event));
  m.request.timeout = sink.timeout;
  m.request.headers = {
      {std::string(kEventIdHeader), eventId(event)},
      {std::string(kEventHeader), std::string(toString(event.name))},
      {std::string(kSignatureHeader),
       webhookSignature(sink.secret, unixSeconds(now), m.request.body)},
  };
  return m;
}

}  // namespace pw::notify
