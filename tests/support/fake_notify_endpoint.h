#pragma once
// A webhook or group-robot endpoint on 127.0.0.1 (Boost.Beast, through
// HttpListener) that checks each call the way the real receiver would (our
// webhook signature; DingTalk's and Feishu's signs; WeCom's key), answers in
// that platform's format, and can be told to fail: scripted answers (5xx,
// 429, errcode bodies, delays past the client's timeout, dropped
// connections), and an optional rate limit of its own enforced like
// DingTalk's (errcode 130101). It records every call for the test to read.
#include "httpd/http_listener.h"
#include "notify/alert_event.h"
#include "notify/sink_config.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pw::test {

struct NotifyFault {
  int status = 200;
  std::string body;  // empty: the platform's success body
  std::chrono::milliseconds delay{0};
  bool drop_connection = false;
  std::optional<int> retry_after_seconds;
};

struct ReceivedCall {
  std::string target;
  std::string body;
  bool signature_ok = false;
  std::string event_id;   // webhook: X-Parcelwatch-Event-Id
  std::string text;       // robots: the message text (markdown or card content)
  bool accepted = false;  // answered with the platform's success
  bool rate_limited = false;
  std::chrono::steady_clock::time_point at;
};

class FakeNotifyEndpoint {
 public:
  FakeNotifyEndpoint(boost::asio::io_context& io, notify::SinkType type, std::string secret);
  ~FakeNotifyEndpoint();

  std::uint16_t start();
  void stop();
  /// The sink URL for this platform's shape, e.g. http://127.0.0.1:P/robot/send?access_token=T.
  std::string url() const;

  /// The next calls get these answers, in order; then success.
  void pushFault(NotifyFault fault);
  /// Every call gets this answer until cleared (nullopt).
  void setStickyFault(std::optional<NotifyFault> fault);
  /// Enforces at most limit.count calls per limit.window (as DingTalk does).
  void enforceRateLimit(notify::RateLimit limit);

  std::vector<ReceivedCall> calls() const;
  std::size_t callCount() const;
  /// Webhook: ids of events in accepted calls, in order, duplicates kept.
  std::vector<std::string> acceptedEventIds() const;
  /// Webhook: the parsed bodies of accepted calls, in order.
  std::vector<notify::AlertEvent> acceptedEvents() const;

 private:
  HttpReply handle(const HttpListener::Request& req);
  HttpReply success() const;
  bool verify(const HttpListener::Request& req, ReceivedCall& call) const;

  notify::SinkType type_;
  std::string secret_;
  HttpListener listener_;
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::deque<NotifyFault> faults_;
  std::optional<NotifyFault> sticky_;
  std::optional<notify::RateLimit> limit_;
  std::deque<std::chrono::steady_clock::time_point> recent_;
  std::vector<ReceivedCall> calls_;
};

}  // namespace pw::test
