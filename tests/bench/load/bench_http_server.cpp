#include "load/bench_http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <thread>
#include <vector>

namespace pw::load {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct BenchHttpServer::State {
  explicit State(Handler h) : handler(std::move(h)), acceptor(io) {}
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const BenchHttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {}
  void read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->answer();
                     });
  }

 private:
  void answer() {
    auto reply = handler_(req_.target(), req_.body());
    res_ = {static_cast<http::status>(reply.status), req_.version()};
    res_.set(http::field::content_type, "application/json;charset=UTF-8");
    res_.body() = std::move(reply.body);
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->res_.keep_alive()) self->read();
    });
  }

  beast::tcp_stream stream_;
  const BenchHttpServer::Handler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

void accept(BenchHttpServer::State& s) {
  // Each connection gets its own strand, so the pool's threads never run one
  // connection's handlers at once.
  s.acceptor.async_accept(asio::make_strand(s.io), [&s](beast::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      sock.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(sock), s.handler)->read();
    }
    accept(s);
  });
}

}  // namespace

BenchHttpServer::BenchHttpServer(Handler handler, int threads)
    : state_(std::make_unique<State>(std::move(handler))) {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen(asio::socket_base::max_listen_connections);
  state_->port = state_->acceptor.local_endpoint().port();
  accept(*state_);
  for (int i = 0; i < std::max(1, threads); ++i)
    state_->threads.emplace_back([s = state_.get()] { s->io.run(); });
}

BenchHttpServer::~BenchHttpServer() {
  state_->io.stop();
  for (auto& t : state_->threads) t.join();
}

std::uint16_t BenchHttpServer::port() const { return state_->port; }

}  // namespace pw::load
