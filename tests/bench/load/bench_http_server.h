#pragma once
// A minimal keep-alive HTTP/1.1 server on 127.0.0.1 for the load programs'
// own endpoints (the fake carrier, the trivial ceiling): its own io_context on
// `threads` threads, one strand per connection, a handler that must be cheap
// and thread-safe. Unlike the project's HttpListener it never shares a thread
// with anything else, so it is not what a load run measures.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pw::load {

struct BenchReply {
  unsigned status = 200;
  std::string body;
};

class BenchHttpServer {
 public:
  using Handler = std::function<BenchReply(std::string_view target, std::string_view body)>;

  BenchHttpServer(Handler handler, int threads);
  ~BenchHttpServer();  // stops and joins
  BenchHttpServer(const BenchHttpServer&) = delete;
  BenchHttpServer& operator=(const BenchHttpServer&) = delete;

  std::uint16_t port() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace pw::load
