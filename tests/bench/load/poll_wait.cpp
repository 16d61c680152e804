#include "load/poll_wait.h"

#include "load/control_ask.h"

#include <stdexcept>
#include <thread>

namespace pw::load {

double waitForPolls(const std::string& socket, std::uint64_t target, DaemonProcess& daemon) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  auto lastProgress = t0;
  std::uint64_t last = 0;
  while (true) {
    auto polled = pollsIn(ask(socket, "status"));
    if (polled >= target) break;
    if (polled != last) lastProgress = Clock::now(), last = polled;
    if (Clock::now() - lastProgress > std::chrono::minutes(2) || !daemon.running())
      throw std::runtime_error("polling stopped at " + std::to_string(polled) + " of " +
                               std::to_string(target) + " polls");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace pw::load
