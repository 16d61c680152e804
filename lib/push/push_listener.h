#pragma once
// The HTTP listener aggregators push to (Boost.Beast), one path each:
//   POST /push/kuaidi100   subscription callbacks (form: param, sign)
//   POST /push/kuaidiniao  RequestType 101 trace pushes (form: RequestData, DataSign)
//   POST /push/17track     webhooks (JSON; header `sign`)
// A push is verified, merged, detected and committed before it is
// acknowledged, so an acknowledged push is never lost; a push that could not
// be committed is answered with an error and the aggregator sends it again.
#include "common/result.h"
#include "config/config.h"
#include "polling/polling_service.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace pw {

class PushListener {
 public:
  PushListener(boost::asio::io_context& io, PollingService& service, const Config& config);
  ~PushListener();

  /// Binds "host:port" (port 0: any); returns the bound port.
  Result<std::uint16_t> start(const std::string& listen);
  void stop();
  /// Takes new keys and salts (a reload); pushes already being read keep the old ones.
  void reconfigure(const Config& config);

  /// 17TRACK's webhook signature: hex SHA-256 of body + "/" + key.
  static std::string seventeenTrackSign(std::string_view body, std::string_view key);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pw
