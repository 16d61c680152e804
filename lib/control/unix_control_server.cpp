#include "control/unix_control_server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include "common/log.h"

namespace pw::control {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using local = asio::local::stream_protocol;

struct UnixControlServer::State {
  State(asio::io_context& io, const CommandRegistry& r, fs::path p, ServerLimits l,
        std::shared_ptr<const AccessPolicy> a)
      : io(io), acceptor(io), registry(r), path(std::move(p)), limits(l), access(std::move(a)) {}
  asio::io_context& io;
  local::acceptor acceptor;
  const CommandRegistry& registry;
  fs::path path;
  ServerLimits limits;
  std::shared_ptr<const AccessPolicy> access;
  std::size_t clients = 0;
  bool running = false;
};

namespace {

std::shared_ptr<spdlog::logger> log() { return subsystemLogger("control"); }

std::string seconds(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 ? std::to_string(ms) + "ms" : std::to_string(ms / 1000) + "s";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, std::shared_ptr<UnixControlServer::State> state)
      : socket_(std::move(socket)),
        state_(std::move(state)),
        timer_(state_->io),
        caller_(Caller::ofSocket(socket_.native_handle())) {
    ++state_->clients;
  }
  ~Session() { --state_->clients; }

  void start() { doRead(); }

  void refuse(const std::string& why) { write(Answer{kError, why, nullptr}, true); }

 private:
  long uid() const { return caller_.known ? static_cast<long>(caller_.uid) : -1; }
  long pid() const { return caller_.known ? static_cast<long>(caller_.pid) : -1; }

  // A request must arrive whole within request_timeout of its first byte, so
  // a client that trickles bytes cannot hold a slot forever; an idle
  // connection is closed after idle_timeout.
  void doRead() {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) return onLine(nl);
    if (buffer_.size() > kMaxRequestBytes) {
      log()->warn("CONTROL_REQUEST_TOO_LARGE uid={} pid={}", uid(), pid());
      return write(error("request larger than " + std::to_string(kMaxRequestBytes) + " bytes"),
                   true);
    }
    bool started = buffer_.find_first_not_of(" \t\r") != std::string::npos;
    if (started && !requestStarted_) {
      requestStarted_ = true;
      timer_.expires_after(state_->limits.request_timeout);
      armTimer();
    } else if (!started && !idleArmed_) {
      idleArmed_ = true;
      timer_.expires_after(state_->limits.idle_timeout);
      armTimer();
    }
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        std::size_t n) { self->onSome(ec, n); });
  }

  void armTimer() {
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->timedOut_ = true;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
  }

  void onSome(boost::system::error_code ec, std::size_t n) {
    if (timedOut_) {
      bool partial = requestStarted_;
      log()->info("CONTROL_TIMEOUT uid={} pid={} partial_request={}", uid(), pid(), partial);
      std::string why = partial ? "timed out: a request must arrive whole within " +
                                      seconds(state_->limits.request_timeout) + " of its first byte"
                                : "timed out waiting for a command (" +
                                      seconds(state_->limits.idle_timeout) + " idle)";
      return write(Answer{kError, why, nullptr}, true);
    }
    if (ec == asio::error::eof && buffer_.find_first_not_of(" \t\r\n") != std::string::npos) {
      // The last request came without its newline and the client closed its
      // side (`printf '{...}' | nc -U`): it is still waiting for the answer.
      buffer_.push_back('\n');
      peerDone_ = true;
      return doRead();
    }
    if (ec) return;  // peer closed
    buffer_.append(chunk_.data(), n);
    doRead();
  }

  void onLine(std::size_t nl) {
    timer_.cancel();
    requestStarted_ = idleArmed_ = false;
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxRequestBytes) {
      log()->warn("CONTROL_REQUEST_TOO_LARGE uid={} pid={}", uid(), pid());
      return write(error("request larger than " + std::to_string(kMaxRequestBytes) + " bytes"),
                   true);
    }
    if (line.find_first_not_of(" \t") == std::string::npos) return doRead();
    auto req = parseRequest(line);
    if (!req) {
      log()->info("CONTROL_BAD_REQUEST uid={} pid={} error=\"{}\"", uid(), pid(),
                  req.error().message);
      return write(error(req.error().message), false);
    }
    static const AccessPolicy kDefault;
    const AccessPolicy& policy = state_->access ? *state_->access : kDefault;
    auto answer = state_->registry.dispatch(*req, caller_, policy);
    if (answer.result == kDenied)
      log()->warn("CONTROL_DENIED command={} uid={} pid={}", req->command, uid(), pid());
    else
      log()->info("CONTROL_COMMAND command={} uid={} pid={} result={}", req->command, uid(), pid(),
                  answer.result);
    write(answer, false);
  }

  void write(const Answer& answer, bool closeAfter) {
    auto out = std::make_shared<std::string>(serializeAnswer(answer) + "\n");
    asio::async_write(
        socket_, asio::buffer(*out),
        [self = shared_from_this(), out, closeAfter](boost::system::error_code ec, std::size_t) {
          // A client that closed its side gets its answers, then the close.
          bool drained =
              self->peerDone_ && self->buffer_.find_first_not_of(" \t\r\n") == std::string::npos;
          if (ec || closeAfter || drained) {
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
  Caller caller_;
  std::array<char, 16384> chunk_{};
  std::string buffer_;
  bool timedOut_ = false;
  bool peerDone_ = false;  // the client closed its sending side
  bool requestStarted_ = false;
  bool idleArmed_ = false;
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
                                     fs::path socketPath, ServerLimits limits,
                                     std::shared_ptr<const AccessPolicy> access)
    : state_(std::make_shared<State>(io, registry, std::move(socketPath), limits,
                                     std::move(access))) {}

UnixControlServer::~UnixControlServer() { stop(); }

Result<void> UnixControlServer::checkNotInUse(const fs::path& path) {
  std::error_code fec;
  auto st = fs::symlink_status(path, fec);
  if (!fs::exists(st)) return {};
  if (!fs::is_socket(st))
    return makeError(ErrorCode::io, path.string() + " exists and is not a socket");
  // Someone answering means another daemon owns it; otherwise it is stale.
  asio::io_context io;
  local::socket probe(io);
  boost::system::error_code ec;
  probe.connect(local::endpoint(path.string()), ec);
  if (!ec)
    return makeError(ErrorCode::conflict,
                     "another parcelwatchd is already listening on " + path.string());
  return {};
}

Result<void> UnixControlServer::start() {
  const fs::path& path = state_->path;
  std::error_code fec;
  fs::create_directories(path.parent_path(), fec);
  if (auto r = checkNotInUse(path); !r) return r;
  fs::remove(path, fec);  // stale, left by a crash
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
