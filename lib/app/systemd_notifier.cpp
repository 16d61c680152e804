#include "app/systemd_notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace pw {

void SystemdNotifier::ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}
void SystemdNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
              static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}
void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }
void SystemdNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }
void SystemdNotifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::chrono::microseconds SystemdNotifier::watchdogInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return std::chrono::microseconds(usec);
  return std::chrono::microseconds(0);
}

}  // namespace pw
