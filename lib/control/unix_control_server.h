#pragma once
// The control socket: a Unix-domain stream socket, one JSON request per line,
// one answer per line, several requests per connection. Each connection has a
// request size cap, 10 s to finish a request once it started sending it and
// 30 s idle between requests; a bad or late request gets an error answer,
// never a dropped daemon. Callers are identified with SO_PEERCRED, every
// command is logged with their uid and pid, and commands that change state
// are refused to callers the AccessPolicy does not allow.
#include "common/result.h"
#include "control/command_registry.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <memory>

namespace pw::control {

struct ServerLimits {
  std::chrono::milliseconds request_timeout{10000};  // first byte to newline
  std::chrono::milliseconds idle_timeout{30000};     // between requests
  std::size_t max_clients = 32;
};

class UnixControlServer {
 public:
  UnixControlServer(boost::asio::io_context& io, const CommandRegistry& registry,
                    std::filesystem::path socketPath, ServerLimits limits = {},
                    std::shared_ptr<const AccessPolicy> access = nullptr);
  ~UnixControlServer();

  /// Creates the socket (mode 0660). Refuses if another daemon answers on it;
  /// a stale socket file left by a crash is replaced.
  Result<void> start();
  /// Fails (conflict) if a daemon answers on `socketPath`, or (io) if
  /// something other than a socket is there; a stale socket is fine.
  static Result<void> checkNotInUse(const std::filesystem::path& socketPath);
  /// Stops accepting and removes the socket file.
  void stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pw::control
