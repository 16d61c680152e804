#include "control/control_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace pw::control {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

Result<Answer> call(const std::filesystem::path& socketPath, const Request& request,
                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  local::socket socket(io);
  std::string out = serializeRequest(request) + "\n";
  std::string in;
  boost::system::error_code failure;
  bool connected = false, done = false;

  socket.async_connect(local::endpoint(socketPath.string()), [&](boost::system::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    connected = true;
    asio::async_write(socket, asio::buffer(out), [&](boost::system::error_code wec, std::size_t) {
      if (wec) {
        failure = wec;
        return;
      }
      asio::async_read_until(socket, asio::dynamic_buffer(in, 64 * 1024 * 1024), '\n',
                             [&](boost::system::error_code rec, std::size_t) {
                               if (rec) failure = rec;
                               done = !rec;
                             });
    });
  });
  io.run_for(timeout);
  if (!connected && failure == boost::system::errc::permission_denied)
    return makeError(ErrorCode::permission, "no permission to use " + socketPath.string() +
                                                " (be root, or in the daemon's group)");
  if (!connected && failure)
    return makeError(ErrorCode::not_found, "cannot reach parcelwatchd at " + socketPath.string() +
                                               ": " + failure.message());
  if (!done && !failure)
    return makeError(ErrorCode::transient, "no answer from parcelwatchd within " +
                                               std::to_string(timeout.count()) + " ms");
  if (!done)
    return makeError(ErrorCode::invalid_input,
                     "connection to parcelwatchd failed: " + failure.message());
  auto nl = in.find('\n');
  return parseAnswer(std::string_view(in).substr(0, nl));
}

}  // namespace pw::control
