#pragma once
// The load generator: C keep-alive HTTP/1.1 connections (Boost.Beast, one
// strand each) on a small thread pool, each sending the next request as soon
// as the previous answer is read, for a fixed time. The same client drives
// the daemon and the ceilings it is compared with, so the ratio between them
// does not depend on the client's own cost.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::load {

struct LoadRequest {
  std::string target;
  std::string body;
};

/// Request number `seq` (0, 1, 2... across all connections); called from the pool's threads.
using RequestSource = std::function<LoadRequest(std::uint64_t seq)>;
/// Whether an answer counts (e.g. HTTP 200 with {"result":true...}).
using Acceptance = std::function<bool(unsigned status, std::string_view body)>;

struct LoadOptions {
  std::uint16_t port = 0;  // on 127.0.0.1
  // Several listeners (the nodes of a cluster behind no balancer): connection
  // i goes to ports[i % size]; when set, `port` is not used.
  std::vector<std::uint16_t> ports;
  int connections = 32;
  int threads = 2;
  std::chrono::milliseconds duration{10000};
  std::string method = "POST";
  std::string content_type = "application/x-www-form-urlencoded";
};

struct LoadResult {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;  // answered, but not accepted
  std::uint64_t errors = 0;   // connection failures and timeouts
  double seconds = 0;
  std::vector<double> latency_ms;  // of every answer
  std::string first_refusal;       // status and body of the first refused answer

  double rate() const { return seconds > 0 ? static_cast<double>(accepted) / seconds : 0; }
};

LoadResult runHttpLoad(const LoadOptions& options, const RequestSource& source,
                       const Acceptance& accept);

}  // namespace pw::load
