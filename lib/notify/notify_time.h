#pragma once
// Delivery decisions (backoff, a robot's 20-a-minute window) need time finer
// than the second the rest of the daemon uses, and retry state outlives a
// restart in the outbox, so notify reads wall time in milliseconds from an
// injected clock that tests drive by hand.
#include <chrono>
#include <cstdint>

namespace pw::notify {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Millis>;

class NotifyClock {
 public:
  virtual ~NotifyClock() = default;
  virtual TimePoint now() const = 0;
};

class SystemNotifyClock final : public NotifyClock {
 public:
  TimePoint now() const override {
    return std::chrono::floor<Millis>(std::chrono::system_clock::now());
  }
};

inline std::int64_t unixSeconds(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
inline std::int64_t unixMillis(TimePoint t) { return t.time_since_epoch().count(); }

}  // namespace pw::notify
