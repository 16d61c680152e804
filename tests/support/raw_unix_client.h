#pragma once
// A raw control-socket client, to send exactly the bytes a test wants
// (half requests, trickles, oversized lines) and read what comes back.
#include <chrono>
#include <string>

namespace pw::test {

class RawClient {
 public:
  explicit RawClient(const std::string& path);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  bool connected() const { return connected_; }
  bool send(const std::string& data);
  /// Closes the sending side, as `printf ... | nc -U` does after its input.
  void shutdownWrite();
  /// One line, or "" on EOF/timeout.
  std::string line(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True if the daemon closed the connection (orderly or by reset).
  bool closedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace pw::test
