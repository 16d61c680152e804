#include "httpd/http_listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace pw {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpListener::State {
  State(asio::io_context& io, Handler h, HttpListenerLimits l)
      : io(io), acceptor(io), handler(std::move(h)), limits(std::move(l)) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  Handler handler;
  HttpListenerLimits limits;
  bool running = false;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpListener::State> state)
      : stream_(std::move(socket)), state_(std::move(state)), timer_(stream_.get_executor()) {}
  void start() { doRead(); }

 private:
  void doRead() {
    parser_.emplace();
    parser_->body_limit(state_->limits.max_body_bytes);
    stream_.expires_after(state_->limits.io_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return send(makeReply(413, "request body larger than " +
                                     std::to_string(state_->limits.max_body_bytes) + " bytes\n"),
                  11, false);
    if (ec) return close();
    auto req = parser_->release();
    HttpReply reply;
    try {
      reply = state_->handler(req);
    } catch (const std::exception& e) {
      reply = makeReply(500, std::string("internal error: ") + e.what() + "\n");
    }
    if (reply.delay.count() > 0) {
      timer_.expires_after(reply.delay);
      timer_.async_wait([self = shared_from_this(), reply = std::move(reply),
                         version = req.version(),
                         keep = req.keep_alive()](beast::error_code wec) mutable {
        if (!wec) self->send(std::move(reply), version, keep);
      });
      return;
    }
    send(std::move(reply), req.version(), req.keep_alive());
  }

  void send(HttpReply reply, unsigned version, bool keepAlive) {
    if (reply.drop_connection) return close();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::server, state_->limits.server_name);
    res->set(http::field::content_type, "application/json;charset=UTF-8");
    for (const auto& [k, v] : reply.headers) res->set(k, v);
    res->body() = std::move(reply.body);
    res->keep_alive(keepAlive);
    res->prepare_payload();
    stream_.expires_after(state_->limits.io_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || res->need_eof()) return self->close();
                        self->doRead();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpListener::State> state_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

void doAccept(std::shared_ptr<HttpListener::State> state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (!state->running || ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), state)->start();
    doAccept(state);
  });
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, Handler handler, HttpListenerLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), std::move(limits))) {}

HttpListener::~HttpListener() { stop(); }

Result<std::uint16_t> HttpListener::start(const tcp::endpoint& ep) {
  boost::system::error_code ec;
  state_->acceptor.open(ep.protocol(), ec);
  if (!ec) state_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state_->acceptor.bind(ep, ec);
  if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return makeError(ErrorCode::io, "listen on " + ep.address().to_string() + ":" +
                                        std::to_string(ep.port()) + ": " + ec.message());
  state_->running = true;
  doAccept(state_);
  return state_->acceptor.local_endpoint().port();
}

void HttpListener::stop() {
  // The acceptor belongs to the io_context's thread: run there (at once when
  // already on it, otherwise posted).
  asio::dispatch(state_->io, [state = state_] {
    state->running = false;
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
}

Result<boost::asio::ip::tcp::endpoint> parseListenAddress(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return makeError(ErrorCode::invalid_input,
                     "expected host:port, got '" + std::string(text) + "'");
  std::string host(text.substr(0, colon));
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return makeError(ErrorCode::invalid_input, "bad address in '" + std::string(text) + "'");
  std::string portText(text.substr(colon + 1));
  if (portText.empty() || portText.size() > 5 ||
      portText.find_first_not_of("0123456789") != std::string::npos || std::stoi(portText) > 65535)
    return makeError(ErrorCode::invalid_input, "bad port in '" + std::string(text) + "'");
  return boost::asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(std::stoi(portText)));
}

}  // namespace pw
