#pragma once
// "host:port" as the configuration writes listen addresses. Parsed by the
// configuration loader (so a bad one stops start-up with exit 78 before
// anything is opened) and by the listeners that bind it.
#include "common/result.h"

#include <boost/asio/ip/tcp.hpp>

#include <string_view>

namespace pw {

/// "host:port", "[v6]:port" or "localhost:port" (port 0: any free one).
Result<boost::asio::ip::tcp::endpoint> parseListenAddress(std::string_view text);

}  // namespace pw
