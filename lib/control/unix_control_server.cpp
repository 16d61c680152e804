#include "control/unix_control_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace pw::control {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using local = asio::local::stream_protocol;

struct UnixControlServer::State {
  State(asio::io_context& io, const CommandRegistry& r, fs::path p, ServerLimits l)
      : io(io), acceptor(io), registry(r), path(std::move(p)), limits(l) {}
  asio::io_context& io;
  local::acceptor acceptor;
  const CommandRegistry& registry;
  fs::path path;
  ServerLimits limits;
  std::size_t clients = 0;
  bool running = false;
};

namespace {

std::shared_ptr<spdlog::logger> log() {
  if (auto l = spdlog::get("control")) return l;
  auto l = spdlog::default_logger()->clone("control");
  spdlog::register_logger(l);
  return l;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, std::shared_ptr<UnixControlServer::State> state)
      : socket_(std::move(socket)), state_(std::move(state)), timer_(state_->io) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      uid_ = static_cast<long>(cred.uid);
      pid_ = static_cast<long>(cred.pid);
    }
    ++state_->clients;
  }
  ~Session() { --state_->clients; }

  void start() { doRead(); }

  void refuse(const std::string& why) { write(Answer{kError, why, nullptr}, true); }

 private:
  void doRead() {
    timer_.expires_after(state_->limits.idle_timeout);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->timedOut_ = true;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, kMaxRequestBytes + 1), '\n',
                           [self = shared_from_this()](boost::system::error_code ec,
                                                       std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(boost::system::error_code ec, std::size_t n) {
    timer_.cancel();
    if (timedOut_) {
      log()->info("CONTROL_TIMEOUT uid={} pid={}", uid_, pid_);
      return write(Answer{kError,
                          "timed out waiting for a command (" +
                              std::to_string(state_->limits.idle_timeout.count()) + "s)",
                          nullptr},
                   true);
    }
    if (ec == asio::error::not_found) {
      log()->warn("CONTROL_REQUEST_TOO_LARGE uid={} pid={}", uid_, pid_);
      return write(error("request larger than " + std::to_string(kMaxRequestBytes) + " bytes"),
                   true);
    }
    if (ec) return;  // peer closed
    std::string line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) return doRead();
    auto req = parseRequest(line);
    if (!req) {
      log()->info("CONTROL_BAD_REQUEST uid={} pid={} error=\"{}\"", uid_, pid_,
                  req.error().message);
      return write(error(req.error().message), false);
    }
    log()->info("CONTROL_COMMAND command={} uid={} pid={}", req->command, uid_, pid_);
    write(state_->registry.dispatch(*req), false);
  }

  void write(const Answer& answer, bool closeAfter) {
    auto out = std::make_shared<std::string>(serializeAnswer(answer) + "\n");
    asio::async_write(
        socket_, asio::buffer(*out),
        [self = shared_from_this(), out, closeAfter](boost::system::error_code ec, std::size_t) {
          if (ec || closeAfter) {
            boost::system::error_code ignored;
            self->socket_.close(ignored);
            return;
          }
          self->doRead();
        });
  }

  local::socket socket_;
  std::shared_ptr<UnixControlServer::State> state_;
  asio::steady_timer timer_;
  std::string buffer_;
  bool timedOut_ = false;
  long uid_ = -1;
  long pid_ = -1;
};

void doAccept(std::shared_ptr<UnixControlServer::State> state) {
  state->acceptor.async_accept([state](boost::system::error_code ec, local::socket socket) {
    if (!state->running || ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), state);
      if (state->clients > state->limits.max_clients) {
        log()->warn("CONTROL_TOO_MANY_CLIENTS limit={}", state->limits.max_clients);
        session->refuse("too many control clients (limit " +
                        std::to_string(state->limits.max_clients) + "), try again");
      } else {
        session->start();
      }
    }
    doAccept(state);
  });
}

}  // namespace

UnixControlServer::UnixControlServer(asio::io_context& io, const CommandRegistry& registry,
                                     fs::path socketPath, ServerLimits limits)
    : state_(std::make_shared<State>(io, registry, std::move(socketPath), limits)) {}

UnixControlServer::~UnixControlServer() { stop(); }

Result<void> UnixControlServer::start() {
  const fs::path& path = state_->path;
  std::error_code fec;
  fs::create_directories(path.parent_path(), fec);
  auto st = fs::symlink_status(path, fec);
  if (fs::exists(st)) {
    if (!fs::is_socket(st))
      return makeError(ErrorCode::io, path.string() + " exists and is not a socket");
    // Someone answering means another daemon owns it; otherwise it is stale.
    local::socket probe(state_->io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path.string()), ec);
    if (!ec)
      return makeError(ErrorCode::conflict,
                       "another parcelwatchd is already listening on " + path.string());
    fs::remove(path, fec);
  }
  boost::system::error_code ec;
  state_->acceptor.open(local(), ec);
  if (!ec) state_->acceptor.bind(local::endpoint(path.string()), ec);
  if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(ErrorCode::io, "control socket " + path.string() + ": " + ec.message());
  ::chmod(path.c_str(), 0660);
  state_->running = true;
  doAccept(state_);
  return {};
}

void UnixControlServer::stop() {
  if (!state_->running) return;
  state_->running = false;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  std::error_code fec;
  fs::remove(state_->path, fec);
}

}  // namespace pw::control
