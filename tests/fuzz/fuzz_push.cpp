// libFuzzer target: raw bytes as they arrive at the push listener, through
// Beast's request parser with the listener's limits, the push handler's
// screen (allow_from, routes, method) and handler (signatures, codecs),
// against a real PollingService on an in-memory SQLite store. The first
// byte picks the peer, so allow_from refusals are fuzzed too.
#include "config/config_loader.h"
#include "httpd/http_listener.h"
#include "net/curl_http_client.h"
#include "polling/polling_service.h"
#include "push/push_handler.h"
#include "store/sqlite_store.h"

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>

namespace {

namespace http = boost::beast::http;

struct NullSink : pw::AlertSink {
  bool emit(const boost::json::object&) override { return true; }
};

struct World {
  boost::asio::io_context io;
  std::unique_ptr<pw::Store> store = pw::SqliteStore::open(":memory:").value();
  pw::CurlHttpClient http{io, pw::CurlLimits{}};
  pw::SystemClock clock;
  NullSink alerts;
  pw::Config config = [] {
    auto c = pw::loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
    c.simulator.enabled = false;
    c.kuaidi100.salt = "SALT";
    c.kuaidiniao_enabled = true;
    c.kuaidiniao.business_id = "1234567";
    c.kuaidiniao.app_key = "APPKEY";
    c.seventeen_track_enabled = true;
    c.seventeen_track.token = "TOKEN";
    c.push.allow_from = pw::AddressFilter::parse({"127.0.0.0/8", "::1"}).value();
    return c;
  }();
  pw::PollingService service{io,    *store, http,
                             clock, alerts, std::make_shared<const pw::Config>(config)};
  pw::PushHandler handler{service, config, io};
  pw::HttpListenerLimits limits = [this] {
    pw::HttpListenerLimits l;
    l.max_body_bytes = config.push.max_body_bytes;
    return l;
  }();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  if (size == 0) return 0;
  auto peer = boost::asio::ip::make_address(data[0] & 1 ? "127.0.0.1" : "192.0.2.7");
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  http::request_parser<http::string_body> parser;
  parser.body_limit(w.limits.max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(w.limits.max_header_bytes));
  parser.eager(true);
  boost::beast::error_code ec;
  bool screened = false;
  while (!bytes.empty() && !parser.is_done()) {
    auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == http::error::need_more) break;
    if (ec) {
      (void)pw::replyForReadError(ec, w.limits);
      return 0;
    }
    if (parser.is_header_done() && !screened) {
      screened = true;
      if (w.handler.screen(parser.get(), peer)) return 0;
    }
    if (used == 0) break;
    bytes.remove_prefix(used);
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
    if (!screened && w.handler.screen(parser.get(), peer)) return 0;
  }
  w.handler.handle(parser.get(), peer, [](pw::HttpReply) {});
  // The commits a push carries run on the loop (the group commit).
  w.io.poll();
  w.io.restart();
  return 0;
}
