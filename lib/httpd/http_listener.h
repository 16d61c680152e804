#pragma once
// A small inbound HTTP/1.1 server on Boost.Beast for the places that answer
// HTTP: the push listener (aggregators call us), the metrics endpoint and the
// simulated carrier. It owns the Beast session plumbing (keep-alive, one
// deadline for reading a whole request and one for each write, a body and a
// header limit, a cap on open connections) and answers malformed requests
// itself (400, 413, 431) before closing; callers give a handler from request
// to reply. Handlers run on the io_context's thread.
#include "common/listen_address.h"
#include "common/result.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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
  std::size_t max_header_bytes = 8 * 1024;   // a larger header section gets 431
  /// Reading one whole request (header and body) must finish within this, and
  /// so must each answer's write: a trickling client cannot hold a connection.
  std::chrono::seconds io_timeout{30};
  /// Connections open at once; above it new ones are closed at once. 0: no cap.
  std::size_t max_connections = 0;
  std::string server_name = "parcelwatch";
};

class HttpListener {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Peer = boost::asio::ip::address;
  using Handler = std::function<HttpReply(const Request&)>;
  using PeerHandler = std::function<HttpReply(const Request&, const Peer&)>;
  /// Answers later: the handler calls `respond` once, on the io_context's
  /// thread, when its reply is ready (a push is acknowledged after its group
  /// commit). The connection reads no further request until then.
  using Respond = std::function<void(HttpReply)>;
  using AsyncHandler = std::function<void(const Request&, const Peer&, Respond respond)>;
  /// Looks at a request's header (its body not yet read) and answers it at
  /// once, closing the connection, or returns nullopt to read the body and
  /// call the handler: refusals cost no body.
  using HeaderCheck = std::function<std::optional<HttpReply>(const Request&, const Peer&)>;
  /// Told of every connection closed because max_connections were open.
  using RefusedObserver = std::function<void(const Peer&, std::uint64_t refusedSoFar)>;

  HttpListener(boost::asio::io_context& io, Handler handler, HttpListenerLimits limits = {});
  HttpListener(boost::asio::io_context& io, PeerHandler handler, HttpListenerLimits limits = {},
               HeaderCheck check = {}, RefusedObserver refused = {});
  HttpListener(boost::asio::io_context& io, AsyncHandler handler, HttpListenerLimits limits = {},
               HeaderCheck check = {}, RefusedObserver refused = {});
  ~HttpListener();

  /// Binds and starts accepting; returns the bound port (for port 0).
  Result<std::uint16_t> start(const boost::asio::ip::tcp::endpoint& endpoint);
  /// Stops accepting; safe from any thread.
  void stop();

  /// Connections open now, and those refused since start (any thread).
  std::size_t openConnections() const;
  std::uint64_t refusedConnections() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

/// The answer a client gets when its request cannot be read (a malformed
/// request 400, a too large header section 431, body 413), or nullopt when
/// there is nobody to answer (the peer closed, the deadline passed).
std::optional<HttpReply> replyForReadError(const boost::beast::error_code& ec,
                                           const HttpListenerLimits& limits);

}  // namespace pw
