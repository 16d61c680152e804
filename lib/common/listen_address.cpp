#include "common/listen_address.h"

#include <string>

namespace pw {

Result<boost::asio::ip::tcp::endpoint> parseListenAddress(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return makeError(ErrorCode::invalid_input,
                     "expected host:port, got '" + std::string(text) + "'");
  std::string host(text.substr(0, colon));
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return makeError(ErrorCode::invalid_input, "bad address in '" + std::string(text) + "'");
  std::string portText(text.substr(colon + 1));
  if (portText.empty() || portText.size() > 5 ||
      portText.find_first_not_of("0123456789") != std::string::npos || std::stoi(portText) > 65535)
    return makeError(ErrorCode::invalid_input, "bad port in '" + std::string(text) + "'");
  return boost::asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(std::stoi(portText)));
}

}  // namespace pw
