#include "app/systemd_notifier.h"

#include <systemd/sd-daemon.h>

namespace pw {

void SystemdNotifier::ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}
void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }
void SystemdNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }

}  // namespace pw
