#pragma once
// A raw TCP client for the HTTP listeners, to send exactly the bytes a test
// wants (malformed requests, trickles, idle connections) and read the answer.
#include <chrono>
#include <cstdint>
#include <string>

namespace pw::test {

class RawTcpClient {
 public:
  explicit RawTcpClient(std::uint16_t port, const std::string& host = "127.0.0.1");
  ~RawTcpClient();
  RawTcpClient(const RawTcpClient&) = delete;
  RawTcpClient& operator=(const RawTcpClient&) = delete;
  bool connected() const { return connected_; }
  bool send(const std::string& data);
  /// Everything the server sends until it closes the connection (or the timeout).
  std::string readUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True if the server closed the connection (orderly or by reset) within the timeout.
  bool closedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  bool connected_ = false;
};

/// One HTTP/1.1 request with a body and `Connection: close`, as a client would write it.
std::string httpPost(const std::string& target, const std::string& body,
                     const std::string& contentType = "application/x-www-form-urlencoded");

}  // namespace pw::test
