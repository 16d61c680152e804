#pragma once
#include <string>

namespace pw {

/// sd_notify wrapper: a no-op outside systemd (no NOTIFY_SOCKET).
class SystemdNotifier {
 public:
  void ready(const std::string& status);
  void stopping();
  void status(const std::string& text);
};

}  // namespace pw
