#pragma once
// Turns a sink's next events into one HTTP request in that platform's format.
// A webhook gets one event per call (its JSON, signed). A robot gets one card
// for one event, or, when the policy folds a burst, one digest carrying as
// many of the given events as fit the platform's size cap; the rest stay
// queued for the next message, so nothing is dropped.
#include "common/http.h"
#include "notify/alert_event.h"
#include "notify/notify_time.h"
#include "notify/sink_config.h"

#include <cstddef>
#include <span>

namespace pw::notify {

struct OutgoingMessage {
  HttpRequest request;
  std::size_t events = 0;  // how many of the given events, from the front, it carries
  bool digest = false;
};

/// `events` is not empty; `now` signs the request (each retry is signed anew).
OutgoingMessage buildMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                             TimePoint now);

// One per platform (webhook_message.cpp, dingtalk_message.cpp, ...).
OutgoingMessage buildWebhookMessage(const NotifySinkConfig& sink, const AlertEvent& event,
                                    TimePoint now);
OutgoingMessage buildDingtalkMessage(const NotifySinkConfig& sink,
                                     std::span<const AlertEvent> events, TimePoint now);
OutgoingMessage buildWecomMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                                  TimePoint now);
OutgoingMessage buildFeishuMessage(const NotifySinkConfig& sink, std::span<const AlertEvent> events,
                                   TimePoint now);

/// The markdown of a digest of the first `count` events: a heading line is
/// the platform's, this is the numbered list and the footer.
std::string digestBody(std::span<const AlertEvent> events, std::size_t count,
                       std::string_view separator);

/// The largest k in [1, events.size()] whose rendering fits, given a
/// function from k to the request body (or the text the cap applies to).
template <class Render>
std::size_t largestFitting(std::size_t available, std::size_t cap, Render render) {
  std::size_t best = 1;
  for (std::size_t k = 2; k <= available; ++k) {
    if (cap != 0 && render(k).size() > cap) break;
    best = k;
  }
  return best;
}

}  // namespace pw::notify
