#pragma once
// A Kuaidi100 look-alike on 127.0.0.1 (Boost.Beast). The tests use it as the
// fake carrier and the daemon's embedded default serves the bundled sample
// histories through it, so the demo runs the same HTTP path as production.
//
// It checks each request's signature like the real service, answers from a
// history source, records every request, and can misbehave on cue (delay,
// HTTP error, Retry-After, malformed or huge body, dropped connection).
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pw {

struct FakeFault {
  std::chrono::milliseconds delay{0};
  int http_status = 200;
  std::optional<std::string> body;         // replaces the normal answer
  std::optional<int> retry_after_seconds;  // Retry-After header
  std::size_t huge_body_bytes = 0;         // answer with this many bytes of junk
  bool drop_connection = false;            // close without answering
  bool gzip = false;                       // the answer gzip-compressed (Content-Encoding: gzip)
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::string content_type;     // the Content-Type header as received
  std::string accept_encoding;  // the Accept-Encoding header as received
  std::map<std::string, std::string> form;
  bool signature_ok = false;
};

class FakeCarrierServer {
 public:
  /// Returns the Kuaidi100 JSON body for (com, num), or nullopt for "查询无结果".
  using HistorySource =
      std::function<std::optional<std::string>(const std::string& com, const std::string& num)>;

  FakeCarrierServer(boost::asio::io_context& io, std::string customer, std::string key);
  ~FakeCarrierServer();

  /// Binds 127.0.0.1:port (0 for any) and starts accepting; returns the port.
  std::uint16_t start(std::uint16_t port = 0);
  void stop();
  std::string queryUrl() const;
  const std::string& customer() const;
  const std::string& key() const;

  void setHistorySource(HistorySource source);
  /// Shortcut for tests: a fixed body for one number.
  void setResponse(const std::string& num, std::string body);
  /// Faults apply to the next requests in order, one each.
  void pushFault(FakeFault fault);
  /// A fault applied to every request while set.
  void setPermanentFault(std::optional<FakeFault> fault);

  std::vector<RecordedRequest> requests() const;
  std::size_t requestCount() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pw
