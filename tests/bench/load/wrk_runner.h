#pragma once
// wrk (Debian's package), when installed, as a second opinion on a ceiling:
// it POSTs one fixed body over keep-alive connections as fast as the server
// answers. The Lua script that sets the body is written at run time.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace pw::load {

struct WrkResult {
  double requests_per_second = 0;
  std::uint64_t requests = 0;
  std::uint64_t non_2xx = 0;  // wrk counts every answer; these were 4xx/5xx
  std::string socket_errors;  // wrk's "Socket errors:" line, if any
};

/// The path of `wrk` on PATH, or nullopt.
std::optional<std::string> findWrk();

/// Runs `wrk -t THREADS -c CONNECTIONS -d SECONDS` POSTing `body` (form
/// encoded) to `url`; throws with wrk's output if it fails.
WrkResult runWrk(const std::string& wrk, const std::string& url, const std::string& body,
                 int connections, std::chrono::seconds duration,
                 const std::filesystem::path& folder);

}  // namespace pw::load
