#pragma once
// A small inbound HTTP/1.1 server on Boost.Beast for the two places that
// answer HTTP: the push listener (aggregators call us) and the simulated
// carrier. It owns the Beast session plumbing (keep-alive, a deadline on
// every read and write, a body limit); callers give a handler from request
// to reply. The handler runs on the io_context's thread.
#include "common/result.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pw {

struct HttpReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // answer this much later (the simulator's faults)
  bool drop_connection = false;        // close without answering
};

inline HttpReply makeReply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct HttpListenerLimits {
  std::size_t max_body_bytes = 1024 * 1024;  // larger requests get 413
  std::chrono::seconds io_timeout{30};
  std::string server_name = "parcelwatch";
};

/// "host:port", "[v6]:port" or "localhost:port" (port 0: any free one).
Result<boost::asio::ip::tcp::endpoint> parseListenAddress(std::string_view text);

class HttpListener {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Handler = std::function<HttpReply(const Request&)>;

  HttpListener(boost::asio::io_context& io, Handler handler, HttpListenerLimits limits = {});
  ~HttpListener();

  /// Binds and starts accepting; returns the bound port (for port 0).
  Result<std::uint16_t> start(const boost::asio::ip::tcp::endpoint& endpoint);
  /// Stops accepting; safe from any thread.
  void stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pw
