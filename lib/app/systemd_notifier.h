#pragma once
#include <chrono>
#include <string>

namespace pw {

/// sd_notify wrapper: a no-op outside systemd (no NOTIFY_SOCKET).
class SystemdNotifier {
 public:
  void ready(const std::string& status);
  void stopping();
  /// RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants); follow with ready().
  void reloading();
  void status(const std::string& text);
  void watchdog();
  /// The watchdog interval systemd asked for (WatchdogSec=), or zero.
  std::chrono::microseconds watchdogInterval() const;
};

}  // namespace pw
