#pragma once
// Waits until the daemon's `status` counts at least `target` polls (ok, no
// result or failed), asking ten times a second. Throws if the count stops
// moving for two minutes or the daemon dies, instead of waiting forever.
#include "load/daemon_process.h"

#include <cstdint>
#include <string>

namespace pw::load {

/// Returns the milliseconds it took.
double waitForPolls(const std::string& socket, std::uint64_t target, DaemonProcess& daemon);

}  // namespace pw::load
