#include "control/metrics_listener.h"

#include "control/metrics.h"
#include "httpd/http_listener.h"

#include <spdlog/spdlog.h>

namespace pw::control {

MetricsListener::MetricsListener(boost::asio::io_context& io, ServiceApi& service,
                                 std::string version, std::function<std::string()> extra) {
  HttpListenerLimits limits;
  limits.max_body_bytes = 4096;  // scrapes carry no body
  limits.io_timeout = std::chrono::seconds(10);
  listener_ = std::make_unique<HttpListener>(
      io,
      [&service, version, extra](const HttpListener::Request& req) {
        if (req.target() != "/metrics") return makeReply(404, "try /metrics\n");
        if (req.method() != boost::beast::http::verb::get &&
            req.method() != boost::beast::http::verb::head)
          return makeReply(405, "GET only\n");
        auto report = service.status();
        if (!report) return makeReply(503, report.error().message + "\n");
        auto reply =
            makeReply(200, prometheusText(*report, version) + (extra ? extra() : std::string()));
        reply.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        return reply;
      },
      limits);
}

MetricsListener::~MetricsListener() { stop(); }

Result<std::uint16_t> MetricsListener::start(const std::string& listen) {
  auto endpoint = parseListenAddress(listen);
  if (!endpoint)
    return makeError(ErrorCode::invalid_input, "metrics.listen: " + endpoint.error().message);
  auto port = listener_->start(*endpoint);
  if (!port) return makeError(ErrorCode::io, "metrics listener: " + port.error().message);
  spdlog::info("METRICS_LISTENING address={} port={}", endpoint->address().to_string(), *port);
  return *port;
}

void MetricsListener::stop() { listener_->stop(); }

}  // namespace pw::control
