#include "push/push_listener.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include "common/log.h"
#include "httpd/http_listener.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace pw {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxPushBytes = 4 * 1024 * 1024;
constexpr auto kReadTimeout = std::chrono::seconds(10);

std::shared_ptr<spdlog::logger> log() { return subsystemLogger("push"); }

}  // namespace

struct PushListener::State {
  State(PollingService& s, const Config& c)
      : service(s),
        kuaidi100(c.kuaidi100),
        kuaidiniao(c.kuaidiniao),
        seventeen(c.seventeen_track),
        seventeen_key(c.seventeen_track.token) {}
  std::unique_ptr<HttpListener> listener;
  PollingService& service;
  Kuaidi100Codec kuaidi100;
  KuaidiniaoCodec kuaidiniao;
  SeventeenTrackCodec seventeen;
  std::string seventeen_key;

  // Commits one parcel's snapshot; true when it is safe to acknowledge.
  bool commit(std::string_view source, const std::string& number,
              const Result<CarrierSnapshot>& snap) {
    if (!snap) {
      if (snap.error().code == ErrorCode::no_result) return true;  // nothing to store yet
      log()->warn("PUSH_BAD_SNAPSHOT source={} parcel={} error=\"{}\"", source, number,
                  snap.error().message);
      return true;  // resending the same body will not make it parse
    }
    auto r = service.acceptPush(source, number, *snap);
    if (r) return true;
    if (r.error().code == ErrorCode::not_found) {
      log()->warn("PUSH_UNKNOWN_PARCEL source={} parcel={}", source, number);
      return true;
    }
    log()->error("PUSH_COMMIT_FAILED source={} parcel={} error=\"{}\"", source, number,
                 r.error().message);
    return false;
  }

  // Anyone who can reach the listener can send garbage: a few lines and a
  // count per source, not one line per request.
  LogLimiter limiter;
  void rejected(std::string_view source, const std::string& why) {
    limiter.log(*log(), spdlog::level::warn, "PUSH_REJECTED source=" + std::string(source),
                fmt::format("PUSH_REJECTED source={} error=\"{}\"", source, why));
  }

  std::pair<http::status, std::string> handle(const http::request<http::string_body>& req) {
    std::string target(req.target());
    if (req.method() != http::verb::post) return {http::status::method_not_allowed, "POST only\n"};
    if (target == "/push/kuaidi100") {
      auto push = kuaidi100.parsePush(req.body());
      if (!push) {
        rejected("kuaidi100", push.error().message);
        return {http::status::ok, Kuaidi100Codec::pushReply(false, push.error().message)};
      }
      if (!push->carrier_new.empty() && push->carrier_new != push->carrier) {
        if (auto r = service.correctCarrier(push->tracking_number, push->carrier_new); !r)
          log()->warn("CARRIER_CORRECTION_FAILED parcel={} error=\"{}\"", push->tracking_number,
                      r.error().message);
      }
      if (push->status == "abort")
        log()->warn("PUSH_ABORT source=kuaidi100 parcel={} message=\"{}\"", push->tracking_number,
                    push->message);
      bool ok = commit("kuaidi100", push->tracking_number, push->snapshot);
      return {http::status::ok,
              Kuaidi100Codec::pushReply(ok, ok ? "" : "store unavailable, retry")};
    }
    if (target == "/push/kuaidiniao") {
      auto items = kuaidiniao.parsePush(req.body());
      Timestamp now = SystemClock().now();
      if (!items) {
        rejected("kuaidiniao", items.error().message);
        return {http::status::ok, kuaidiniao.pushReply(false, items.error().message, now)};
      }
      bool ok = true;
      for (const auto& item : *items)
        ok = commit("kuaidiniao", item.tracking_number, item.snapshot) && ok;
      return {http::status::ok,
              kuaidiniao.pushReply(ok, ok ? "" : "store unavailable, retry", now)};
    }
    if (target == "/push/17track") {
      std::string sign(req["sign"]);
      if (sign != seventeenTrackSign(req.body(), seventeen_key)) {
        rejected("17track", "sign does not match");
        return {http::status::unauthorized, "{\"error\":\"sign does not match\"}"};
      }
      auto batch = seventeen.parseBatch(req.body());
      if (!batch) {
        rejected("17track", batch.error().message);
        return {http::status::bad_request, "{\"error\":\"unreadable body\"}"};
      }
      bool ok = true;
      for (const auto& [number, snap] : *batch) ok = commit("17track", number, snap) && ok;
      if (!ok) return {http::status::service_unavailable, "{\"error\":\"retry\"}"};
      return {http::status::ok, "{\"ok\":true}"};
    }
    return {http::status::not_found, "no such push endpoint\n"};
  }
};

PushListener::PushListener(asio::io_context& io, PollingService& service, const Config& config)
    : state_(std::make_shared<State>(service, config)) {
  HttpListenerLimits limits;
  limits.max_body_bytes = kMaxPushBytes;
  limits.io_timeout = kReadTimeout;
  state_->listener = std::make_unique<HttpListener>(
      io,
      [state = state_.get()](const HttpListener::Request& req) {
        auto [status, body] = state->handle(req);
        return makeReply(static_cast<int>(status), std::move(body));
      },
      limits);
}

PushListener::~PushListener() { stop(); }

Result<std::uint16_t> PushListener::start(const std::string& listen) {
  auto endpoint = parseListenAddress(listen);
  if (!endpoint)
    return makeError(ErrorCode::invalid_input, "push.listen: " + endpoint.error().message);
  auto bound = state_->listener->start(*endpoint);
  if (!bound) return makeError(ErrorCode::io, "push listener: " + bound.error().message);
  log()->info("PUSH_LISTENING address={} port={}", endpoint->address().to_string(), *bound);
  return *bound;
}

void PushListener::reconfigure(const Config& config) {
  state_->kuaidi100 = Kuaidi100Codec(config.kuaidi100);
  state_->kuaidiniao = KuaidiniaoCodec(config.kuaidiniao);
  state_->seventeen = SeventeenTrackCodec(config.seventeen_track);
  state_->seventeen_key = config.seventeen_track.token;
}

void PushListener::stop() { state_->listener->stop(); }

std::string PushListener::seventeenTrackSign(std::string_view body, std::string_view key) {
  std::string material(body);
  material.append("/").append(key);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(material.data(), material.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace pw
