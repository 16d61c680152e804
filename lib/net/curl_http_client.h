#pragma once
// HttpClient over libcurl's multi interface, driven by one Boost.Asio
// io_context with curl_multi_socket_action (see the design notes in
// curl_http_client.cpp). All libcurl calls happen on that io_context's thread,
// so nothing here takes a lock.
#include "common/http.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace pw {

struct CurlLimits {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{20000};
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::string user_agent = "parcelwatch/0.1";
  /// Idle connections kept for reuse; 0 leaves curl's default (four per
  /// transfer open at the moment, which shrinks whenever few are open).
  long max_idle_connections = 0;
  /// Transfers open at once (0: no bound). Requests beyond it wait, in the
  /// order sent, and each starts on this client's thread the moment a
  /// transfer ends: a caller may hand over its next requests early and the
  /// server still never sees more than this many.
  std::size_t max_transfers = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(boost::asio::io_context& io, CurlLimits limits);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void send(HttpRequest request, Callback done) override;
  using HttpClient::send;  // with a Prepare: run inline, on the caller's thread
  void cancelAll() override;
  size_t inFlight() const override;
  size_t maxOpen() const override;
  void setLimits(CurlLimits limits);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace pw
