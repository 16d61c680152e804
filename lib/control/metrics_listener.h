#pragma once
// Optional Prometheus endpoint: GET /metrics on a localhost HTTP listener
// (metrics.listen). Read-only, and bound to loopback by the config check, so
// it needs no authentication of its own; expose it through a proxy if needed.
#include "common/result.h"
#include "polling/service_api.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pw {
class HttpListener;
}

namespace pw::control {

class MetricsListener {
 public:
  /// `extra`, if set, is appended to every scrape (the notification sinks' metrics).
  MetricsListener(boost::asio::io_context& io, ServiceApi& service, std::string version,
                  std::function<std::string()> extra = {});
  ~MetricsListener();
  /// Binds "127.0.0.1:port" (0: any); returns the bound port.
  Result<std::uint16_t> start(const std::string& listen);
  void stop();

 private:
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace pw::control
