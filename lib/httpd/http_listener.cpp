#include "httpd/http_listener.h"

#include "common/free_memory.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <optional>

namespace pw {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// After a request this large the allocator is asked to give freed memory
// back: glibc and tcmalloc keep it otherwise, and one big push would leave
// the daemon tens of megabytes larger for good.
constexpr std::size_t kTrimAfterBytes = 256 * 1024;
// What a refused client may still send after its answer before it is cut off.
constexpr std::size_t kMaxDrainBytes = 64 * 1024;
// What one read may take from the socket. Beast reads as much as the buffer
// has room for, at least 512 bytes: from an empty buffer that was 512, so a
// push of a whole history (8 to 20 KiB, form-encoded) took 10 reads, each a
// system call (perf stat: 10.3 recvmsg per push). The room stays with the
// connection; push.max_connections bounds what it costs.
constexpr std::size_t kReadRoom = 16 * 1024;

}  // namespace

struct HttpListener::State {
  State(asio::io_context& io, AsyncHandler h, HttpListenerLimits l, HeaderCheck c,
        RefusedObserver r)
      : io(io),
        acceptor(io),
        handler(std::move(h)),
        limits(std::move(l)),
        check(std::move(c)),
        refused_observer(std::move(r)) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  AsyncHandler handler;
  HttpListenerLimits limits;
  HeaderCheck check;
  RefusedObserver refused_observer;
  bool running = false;
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> refused{0};
};

std::optional<HttpReply> replyForReadError(const beast::error_code& ec,
                                           const HttpListenerLimits& limits) {
  if (ec == http::error::body_limit)
    return makeReply(
        413, "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes\n");
  if (ec == http::error::header_limit)
    return makeReply(431, "request header section larger than " +
                              std::to_string(limits.max_header_bytes) + " bytes\n");
  // end_of_stream and partial_message: the peer went away; nobody to answer.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == beast::error_code(http::error::bad_version).category())
    return makeReply(400, "bad request: " + ec.message() + "\n");
  return std::nullopt;  // timeout, reset, cancelled
}

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpListener::State> state)
      : stream_(std::move(socket)), state_(std::move(state)), timer_(stream_.get_executor()) {
    ++state_->open;
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address();
    buffer_.reserve(kReadRoom);
  }
  ~Session() { --state_->open; }
  void start() { doRead(); }

 private:
  void doRead() {
    answered_ = false;
    parser_.emplace();
    parser_->body_limit(state_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    // One deadline for the whole request, header and body: Beast keeps the
    // expiry across the reads of one async_read, so a trickle does not extend it.
    stream_.expires_after(state_->limits.io_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return fail(ec);
    if (state_->check) {
      if (auto early = state_->check(parser_->get(), peer_)) {
        // The body is left unread, so the connection cannot carry another request.
        return send(std::move(*early), parser_->get().version(), false);
      }
    }
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void fail(beast::error_code ec) {
    if (auto reply = replyForReadError(ec, state_->limits))
      return send(std::move(*reply), 11, false);
    close();
  }

  void onRead(beast::error_code ec) {
    if (ec) return fail(ec);
    auto req = parser_->release();
    parser_.reset();
    std::size_t size = req.body().size();
    unsigned version = req.version();
    bool keep = req.keep_alive();
    auto respond = [self = shared_from_this(), version, keep](HttpReply reply) {
      self->answer(std::move(reply), version, keep);
    };
    try {
      state_->handler(req, peer_, respond);
    } catch (const std::exception& e) {
      respond(makeReply(500, std::string("internal error: ") + e.what() + "\n"));
    }
    req = {};
    if (size >= kTrimAfterBytes) releaseFreeMemory();
  }

  void answer(HttpReply reply, unsigned version, bool keep) {
    if (answered_) return;  // a handler that threw after it answered
    answered_ = true;
    if (reply.delay.count() > 0) {
      timer_.expires_after(reply.delay);
      timer_.async_wait([self = shared_from_this(), reply = std::move(reply), version,
                         keep](beast::error_code wec) mutable {
        if (!wec) self->send(std::move(reply), version, keep);
      });
      return;
    }
    send(std::move(reply), version, keep);
  }

  void send(HttpReply reply, unsigned version, bool keepAlive) {
    if (reply.drop_connection) return close();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version == 10 ? 10 : 11);
    res->set(http::field::server, state_->limits.server_name);
    res->set(http::field::content_type, "application/json;charset=UTF-8");
    for (const auto& [k, v] : reply.headers) res->set(k, v);
    res->body() = std::move(reply.body);
    res->keep_alive(keepAlive);
    res->prepare_payload();
    stream_.expires_after(state_->limits.io_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (res->need_eof()) return self->linger();
                        self->doRead();
                      });
  }

  // After a last answer the client may still be sending (a body we refused):
  // closing now would reset the connection and could destroy the answer in
  // flight. Stop sending, swallow what comes for a moment, then close.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrainBytes) return self->close();
                              self->drain();
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
  asio::ip::address peer_;
  std::array<char, 4096> discard_{};
  std::size_t drained_ = 0;
  bool answered_ = false;
};

void doAccept(std::shared_ptr<HttpListener::State> state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (!state->running || ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto max = state->limits.max_connections;
      if (max > 0 && state->open >= max) {
        // Closed before a byte is read: a flood of idle connections costs
        // one socket each for an instant, not a session and its buffers.
        beast::error_code ignored;
        auto peer = socket.remote_endpoint(ignored).address();
        auto n = ++state->refused;
        socket.close(ignored);
        if (state->refused_observer) state->refused_observer(peer, n);
      } else {
        std::make_shared<Session>(std::move(socket), state)->start();
      }
    }
    doAccept(state);
  });
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, Handler handler, HttpListenerLimits limits)
    : HttpListener(
          io, [h = std::move(handler)](const Request& req, const Peer&) { return h(req); },
          std::move(limits)) {}

HttpListener::HttpListener(asio::io_context& io, PeerHandler handler, HttpListenerLimits limits,
                           HeaderCheck check, RefusedObserver refused)
    : HttpListener(
          io,
          AsyncHandler([h = std::move(handler)](const Request& req, const Peer& peer,
                                                const Respond& respond) { respond(h(req, peer)); }),
          std::move(limits), std::move(check), std::move(refused)) {}

HttpListener::HttpListener(asio::io_context& io, AsyncHandler handler, HttpListenerLimits limits,
                           HeaderCheck check, RefusedObserver refused)
    : state_(std::make_shared<State>(io, std::move(handler), std::move(limits), std::move(check),
                                     std::move(refused))) {}

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

std::size_t HttpListener::openConnections() const { return state_->open; }
std::uint64_t HttpListener::refusedConnections() const { return state_->refused; }

}  // namespace pw
