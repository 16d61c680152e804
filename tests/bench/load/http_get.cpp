#include "load/http_get.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pw::load {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

GetResult httpGet(std::uint16_t port, const std::string& target,
                  std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  GetResult out;
  stream.expires_after(timeout);
  stream.async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
          out.error = ec.message();
          return;
        }
        http::async_write(stream, req, [&](beast::error_code wec, size_t) {
          if (wec) {
            out.error = wec.message();
            return;
          }
          http::async_read(stream, buffer, res, [&](beast::error_code rec, size_t) {
            if (rec) {
              out.error = rec.message();
              return;
            }
            out.status = res.result_int();
            out.bytes = res.body().size();
          });
        });
      });
  io.run();
  return out;
}

}  // namespace pw::load
