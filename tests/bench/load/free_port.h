#pragma once
// A loopback port free right now, for the daemon's push and metrics listeners:
// the daemon logs the port it bound only at info level, and a load run keeps
// the log at warn so that logging is not what it measures.
#include <cstdint>

namespace pw::load {

std::uint16_t freeLoopbackPort();

}  // namespace pw::load
