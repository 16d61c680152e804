#pragma once
// Every rule that depends on "now" (stalls, overdue pickups, promises) takes the
// time from a Clock so tests can drive it by hand. Tracking data has second
// resolution, so the wall clock is too.
#include <chrono>

namespace pw {

using Timestamp = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

}  // namespace pw
