#pragma once
// The HTTP listener aggregators push to (Boost.Beast): the shared HttpListener
// with the push limits (push.max_connections, .max_body_bytes, .read_timeout)
// in front of a PushHandler (push_handler.h: who may push, which endpoints
// exist, signatures). A push is verified, merged, detected and committed
// before it is acknowledged, so an acknowledged push is never lost; a push
// that could not be committed is answered with an error and the aggregator
// sends it again.
#include "common/result.h"
#include "config/config.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace pw {

class HttpListener;
class PollingService;
class PushHandler;

class PushListener {
 public:
  PushListener(boost::asio::io_context& io, PollingService& service, const Config& config);
  ~PushListener();

  /// Binds "host:port" (port 0: any); returns the bound port.
  Result<std::uint16_t> start(const std::string& listen);
  void stop();
  /// Takes new keys, salts and allow_from (a reload); pushes already being
  /// read keep the old ones. The limits wait for a restart.
  void reconfigure(const Config& config);

  /// 17TRACK's webhook signature: hex SHA-256 of body + "/" + key.
  static std::string seventeenTrackSign(std::string_view body, std::string_view key);

 private:
  std::unique_ptr<PushHandler> handler_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace pw
