#include "push/push_handler.h"

#include "carriers/constant_time.h"
#include "polling/polling_service.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <boost/beast/http.hpp>

namespace pw {
namespace http = boost::beast::http;

namespace {

std::shared_ptr<spdlog::logger> log() { return subsystemLogger("push"); }

HttpReply reply(http::status status, std::string body) {
  return makeReply(static_cast<int>(status), std::move(body));
}

}  // namespace

PushHandler::PushHandler(PollingService& service, const Config& config)
    : service_(service),
      kuaidi100_(config.kuaidi100),
      kuaidiniao_(config.kuaidiniao),
      seventeen_(config.seventeen_track) {
  reconfigure(config);
}

void PushHandler::reconfigure(const Config& config) {
  kuaidi100_ = Kuaidi100Codec(config.kuaidi100);
  kuaidiniao_ = KuaidiniaoCodec(config.kuaidiniao);
  seventeen_ = SeventeenTrackCodec(config.seventeen_track);
  seventeen_key_ = config.seventeen_track.token;
  // An endpoint whose secret is empty would take anyone's signature: it is
  // not served (the configuration refuses that combination anyway).
  kuaidi100_on_ = config.kuaidi100_enabled && !config.kuaidi100.salt.empty();
  kuaidiniao_on_ = config.kuaidiniao_enabled && !config.kuaidiniao.app_key.empty();
  seventeen_on_ = config.seventeen_track_enabled && !config.seventeen_track.token.empty();
  allow_from_ = config.push.allow_from;
}

bool PushHandler::serves(std::string_view target) const {
  return (target == "/push/kuaidi100" && kuaidi100_on_) ||
         (target == "/push/kuaidiniao" && kuaidiniao_on_) ||
         (target == "/push/17track" && seventeen_on_);
}

std::optional<HttpReply> PushHandler::screen(const HttpListener::Request& header,
                                             const HttpListener::Peer& peer) {
  if (!allow_from_.allows(peer)) {
    limiter_.log(*log(), spdlog::level::warn, "PUSH_FORBIDDEN",
                 fmt::format("PUSH_FORBIDDEN peer={} target=\"{}\": not in push.allow_from",
                             peer.to_string(), std::string(header.target()).substr(0, 100)));
    return reply(http::status::forbidden, "forbidden\n");
  }
  if (!serves(header.target())) return reply(http::status::not_found, "no such push endpoint\n");
  if (header.method() != http::verb::post)
    return reply(http::status::method_not_allowed, "POST only\n");
  return std::nullopt;
}

void PushHandler::refused(const HttpListener::Peer& peer, std::uint64_t refusedSoFar) {
  limiter_.log(*log(), spdlog::level::warn, "PUSH_CONNECTION_REFUSED",
               fmt::format("PUSH_CONNECTION_REFUSED peer={} refused_total={}: push.max_connections "
                           "connections are open",
                           peer.to_string(), refusedSoFar));
}

void PushHandler::rejected(std::string_view source, const HttpListener::Peer& peer,
                           const std::string& why) {
  limiter_.log(
      *log(), spdlog::level::warn, "PUSH_REJECTED source=" + std::string(source),
      fmt::format("PUSH_REJECTED source={} peer={} error=\"{}\"", source, peer.to_string(), why));
}

namespace {

// Whether an item's end lets its request be acknowledged (logs why not). Free
// of the handler: it runs after the group commit, which a reload or a
// shutdown may not wait for.
bool acknowledgeable(std::string_view source, const std::string& number,
                     const Result<PollOutcome>& outcome) {
  if (outcome) return true;
  if (outcome.error().code == ErrorCode::not_found) {
    log()->warn("PUSH_UNKNOWN_PARCEL source={} parcel={}", source, number);
    return true;
  }
  log()->error("PUSH_COMMIT_FAILED source={} parcel={} error=\"{}\"", source, number,
               outcome.error().message);
  return false;
}

}  // namespace

void PushHandler::commit(std::string_view source, std::vector<Item> items,
                         std::function<void(bool)> then) {
  // The request's answer waits for its last item; one that failed to commit
  // makes it ask for a resend.
  struct Pending {
    std::size_t left;
    bool ok = true;
    std::function<void(bool)> then;
  };
  auto pending = std::make_shared<Pending>(Pending{items.size() + 1, true, std::move(then)});
  auto finished = [pending](bool ok) {
    pending->ok = pending->ok && ok;
    if (--pending->left == 0) pending->then(pending->ok);
  };
  for (auto& item : items) {
    if (!item.snapshot) {
      if (item.snapshot.error().code != ErrorCode::no_result)  // no_result: nothing to store yet
        log()->warn("PUSH_BAD_SNAPSHOT source={} parcel={} error=\"{}\"", source, item.number,
                    item.snapshot.error().message);
      finished(true);  // resending the same body will not make it parse
      continue;
    }
    service_.acceptPush(
        source, item.number, *item.snapshot,
        [source = std::string(source), number = item.number, finished](
            Result<PollOutcome> outcome) { finished(acknowledgeable(source, number, outcome)); });
  }
  finished(true);  // the request's own share: an empty one is answered at once
}

void PushHandler::handle(const HttpListener::Request& req, const HttpListener::Peer& peer,
                         HttpListener::Respond respond) {
  // screen() ran on the header; a reload in between may have changed the answer.
  if (auto early = screen(req, peer)) return respond(std::move(*early));
  std::string_view target = req.target();
  if (target == "/push/kuaidi100") {
    auto push = kuaidi100_.parsePush(req.body());
    if (!push) {
      rejected("kuaidi100", peer, push.error().message);
      return respond(
          reply(http::status::ok, Kuaidi100Codec::pushReply(false, push.error().message)));
    }
    if (!push->carrier_new.empty() && push->carrier_new != push->carrier) {
      if (auto r = service_.correctCarrier(push->tracking_number, push->carrier_new); !r)
        log()->warn("CARRIER_CORRECTION_FAILED parcel={} error=\"{}\"", push->tracking_number,
                    r.error().message);
    }
    if (push->status == "abort")
      log()->warn("PUSH_ABORT source=kuaidi100 parcel={} message=\"{}\"", push->tracking_number,
                  push->message);
    std::vector<Item> items;
    items.push_back({push->tracking_number, std::move(push->snapshot)});
    return commit("kuaidi100", std::move(items), [respond = std::move(respond)](bool ok) {
      respond(reply(http::status::ok,
                    Kuaidi100Codec::pushReply(ok, ok ? "" : "store unavailable, retry")));
    });
  }
  if (target == "/push/kuaidiniao") {
    auto parsed = kuaidiniao_.parsePush(req.body());
    Timestamp now = service_.now();
    if (!parsed) {
      rejected("kuaidiniao", peer, parsed.error().message);
      return respond(
          reply(http::status::ok, kuaidiniao_.pushReply(false, parsed.error().message, now)));
    }
    std::vector<Item> items;
    for (auto& item : *parsed) items.push_back({item.tracking_number, std::move(item.snapshot)});
    return commit("kuaidiniao", std::move(items),
                  [codec = kuaidiniao_, now, respond = std::move(respond)](bool ok) {
                    respond(reply(http::status::ok,
                                  codec.pushReply(ok, ok ? "" : "store unavailable, retry", now)));
                  });
  }
  // /push/17track: the only other endpoint screen() lets through.
  if (!constantTimeEquals(req["sign"], seventeenTrackSign(req.body(), seventeen_key_))) {
    rejected("17track", peer, "sign does not match");
    return respond(reply(http::status::unauthorized, "{\"error\":\"sign does not match\"}"));
  }
  auto batch = seventeen_.parseBatch(req.body());
  if (!batch) {
    rejected("17track", peer, batch.error().message);
    return respond(reply(http::status::bad_request, "{\"error\":\"unreadable body\"}"));
  }
  std::vector<Item> items;
  for (auto& [number, snap] : *batch) items.push_back({number, std::move(snap)});
  commit("17track", std::move(items), [respond = std::move(respond)](bool ok) {
    if (!ok) return respond(reply(http::status::service_unavailable, "{\"error\":\"retry\"}"));
    respond(reply(http::status::ok, "{\"ok\":true}"));
  });
}

std::string PushHandler::seventeenTrackSign(std::string_view body, std::string_view key) {
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
