#include "load/http_load_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace pw::load {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kIoTimeout = std::chrono::seconds(30);

// What the connections share: the request counter, the deadline, the totals.
struct Run {
  const LoadOptions& options;
  const RequestSource& source;
  const Acceptance& accept;
  Clock::time_point deadline;
  std::atomic<std::uint64_t> seq{0};
  std::mutex mu;
  LoadResult total;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, Run& run, std::uint16_t port)
      : stream_(asio::make_strand(io)),
        run_(run),
        endpoint_(asio::ip::make_address("127.0.0.1"), port),
        host_("127.0.0.1:" + std::to_string(port)) {
    latency_.reserve(4096);
  }
  ~Connection() {
    std::lock_guard lock(run_.mu);
    run_.total.accepted += accepted_;
    run_.total.refused += refused_;
    run_.total.errors += errors_;
    run_.total.latency_ms.insert(run_.total.latency_ms.end(), latency_.begin(), latency_.end());
    if (run_.total.first_refusal.empty()) run_.total.first_refusal = firstRefusal_;
  }

  void connect() {
    if (Clock::now() >= run_.deadline) return;
    stream_.expires_after(kIoTimeout);
    stream_.async_connect(endpoint_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail();
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->next();
    });
  }

 private:
  void next() {
    if (Clock::now() >= run_.deadline) return close();
    auto r = run_.source(run_.seq.fetch_add(1, std::memory_order_relaxed));
    // The request as bytes, written as one buffer: Beast's serializer costs
    // this client as much as a trivial server's whole answer, and the client
    // must outrun the servers it measures.
    out_.clear();
    out_.append(run_.options.method).append(" ").append(r.target).append(" HTTP/1.1\r\nHost: ");
    out_.append(host_).append("\r\n");
    if (!r.body.empty())
      out_.append("Content-Type: ").append(run_.options.content_type).append("\r\n");
    out_.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n\r\n");
    out_.append(r.body);
    sent_ = Clock::now();
    stream_.expires_after(kIoTimeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->fail();
                        self->read();
                      });
  }

  void read() {
    res_.emplace();
    res_->body_limit(64 * 1024 * 1024);
    http::async_read(stream_, buffer_, *res_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->fail();
                       self->answered();
                     });
  }

  void answered() {
    latency_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent_).count());
    const auto& res = res_->get();
    if (run_.accept(res.result_int(), res.body())) {
      ++accepted_;
    } else {
      ++refused_;
      if (firstRefusal_.empty())
        firstRefusal_ = std::to_string(res.result_int()) + " " + res.body().substr(0, 200);
    }
    if (!res.keep_alive()) {
      close();
      buffer_.clear();
      return connect();
    }
    next();
  }

  void fail() {
    ++errors_;
    close();
    // Reconnect (while time is left) rather than lose a connection's share of
    // the load; connecting reopens the closed socket.
    buffer_.clear();
    connect();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  Run& run_;
  tcp::endpoint endpoint_;
  std::string host_;  // the Host header: 127.0.0.1:PORT
  beast::flat_buffer buffer_;
  std::string out_;
  std::optional<http::response_parser<http::string_body>> res_;
  Clock::time_point sent_;
  std::vector<double> latency_;
  std::uint64_t accepted_ = 0, refused_ = 0, errors_ = 0;
  std::string firstRefusal_;
};

}  // namespace

LoadResult runHttpLoad(const LoadOptions& options, const RequestSource& source,
                       const Acceptance& accept) {
  asio::io_context io;
  Run run{options, source, accept, {}};
  auto start = Clock::now();
  run.deadline = start + options.duration;
  auto ports = options.ports.empty() ? std::vector<std::uint16_t>{options.port} : options.ports;
  for (int i = 0; i < options.connections; ++i)
    std::make_shared<Connection>(io, run, ports[static_cast<std::size_t>(i) % ports.size()])
        ->connect();
  std::vector<std::thread> pool;
  for (int i = 1; i < options.threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  // Every connection has finished its last request, begun before the deadline.
  run.total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return std::move(run.total);
}

}  // namespace pw::load
