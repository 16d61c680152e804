#pragma once
// One GET on 127.0.0.1 with a deadline, for /metrics scrapes during a load run.
#include <chrono>
#include <cstdint>
#include <string>

namespace pw::load {

struct GetResult {
  unsigned status = 0;  // 0: no answer (the error says why)
  std::size_t bytes = 0;
  std::string error;
};

GetResult httpGet(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout);

}  // namespace pw::load
