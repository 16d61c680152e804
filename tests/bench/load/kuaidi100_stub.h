#pragma once
// A fast fake Kuaidi100 query endpoint (poll/query.do) for load runs: it reads
// `num` from the form's `param` and answers what `answer` gives for it (the
// load programs splice the number into pre-built bodies), on its own threads.
// Unlike the project's FakeCarrierServer it checks no signature and records
// nothing: the e2e tests check the protocol, and here the carrier must never
// be what limits the daemon.
#include "load/bench_http_server.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pw::load {

class Kuaidi100Stub {
 public:
  /// The answer body for a number; nullopt answers "查询无结果".
  using Answer = std::function<std::optional<std::string>(std::string_view num)>;

  Kuaidi100Stub(Answer answer, int threads);

  std::uint16_t port() const { return server_.port(); }
  std::string queryUrl() const;
  std::uint64_t requests() const { return requests_.load(); }

  /// `num` of the param JSON in a query's form body ("" if none).
  static std::string numberIn(std::string_view formBody);

 private:
  BenchReply handle(std::string_view body);

  Answer answer_;
  std::atomic<std::uint64_t> requests_{0};
  BenchHttpServer server_;  // last: it starts serving as soon as it is built
};

}  // namespace pw::load
