#include "push/push_listener.h"

#include "common/log.h"
#include "httpd/http_listener.h"
#include "push/push_handler.h"

#include <spdlog/spdlog.h>

namespace pw {

PushListener::PushListener(boost::asio::io_context& io, PollingService& service,
                           const Config& config)
    : handler_(std::make_unique<PushHandler>(service, config, io, DecodePool::defaultThreads())) {
  HttpListenerLimits limits;
  limits.max_body_bytes = config.push.max_body_bytes;
  limits.io_timeout = config.push.read_timeout;
  limits.max_connections = config.push.max_connections;
  PushHandler* h = handler_.get();
  listener_ = std::make_unique<HttpListener>(
      io,
      HttpListener::AsyncHandler(
          [h](const HttpListener::Request& req, const HttpListener::Peer& peer,
              HttpListener::Respond respond) { h->handle(req, peer, std::move(respond)); }),
      limits,
      [h](const HttpListener::Request& header, const HttpListener::Peer& peer) {
        return h->screen(header, peer);
      },
      [h](const HttpListener::Peer& peer, std::uint64_t n) { h->refused(peer, n); });
}

PushListener::~PushListener() { stop(); }

Result<std::uint16_t> PushListener::start(const std::string& listen) {
  auto endpoint = parseListenAddress(listen);
  if (!endpoint)
    return makeError(ErrorCode::invalid_input, "push.listen: " + endpoint.error().message);
  auto bound = listener_->start(*endpoint);
  if (!bound) return makeError(ErrorCode::io, "push listener: " + bound.error().message);
  subsystemLogger("push")->info("PUSH_LISTENING address={} port={}",
                                endpoint->address().to_string(), *bound);
  return *bound;
}

void PushListener::reconfigure(const Config& config) { handler_->reconfigure(config); }

void PushListener::stop() { listener_->stop(); }

std::string PushListener::seventeenTrackSign(std::string_view body, std::string_view key) {
  return PushHandler::seventeenTrackSign(body, key);
}

}  // namespace pw
