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

PushHandler::PushHandler(PollingService& service, const Config& config, boost::asio::io_context& io,
                         unsigned decodeThreads)
    : service_(service), decode_(io, decodeThreads) {
  reconfigure(config);
}

void PushHandler::reconfigure(const Config& config) {
  codecs_ = std::make_shared<const Codecs>(
      Codecs{Kuaidi100Codec(config.kuaidi100), KuaidiniaoCodec(config.kuaidiniao),
             SeventeenTrackCodec(config.seventeen_track), config.seventeen_track.token});
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
        source, item.number, std::move(*item.snapshot),
        [source = std::string(source), number = item.number, finished](
            Result<PollOutcome> outcome) { finished(acknowledgeable(source, number, outcome)); });
  }
  finished(true);  // the request's own share: an empty one is answered at once
}

void PushHandler::handle(const HttpListener::Request& req, const HttpListener::Peer& peer,
                         HttpListener::Respond respond) {
  // screen() ran on the header; a reload in between may have changed the answer.
  if (auto early = screen(req, peer)) return respond(std::move(*early));
  // Checking the signature and decoding the histories depend on the body
  // alone: on the decode pool, with the codecs of this moment.
  struct Job {
    std::string target, body, sign;
    Decoded decoded;
  };
  auto job = std::make_shared<Job>(
      Job{std::string(req.target()), req.body(), std::string(req["sign"]), Decoded{}});
  decode_.run(
      [job, codecs = codecs_] {
        job->decoded = decode(*codecs, job->target, job->body, job->sign);
      },
      [this, job, peer, respond = std::move(respond)]() mutable {
        finish(std::move(job->decoded), peer, std::move(respond));
      });
}

PushHandler::Decoded PushHandler::decode(const Codecs& codecs, std::string_view target,
                                         const std::string& body, const std::string& sign) {
  Decoded d;
  if (target == "/push/kuaidi100") {
    d.source = "kuaidi100";
    auto push = codecs.kuaidi100.parsePush(body);
    if (!push) {
      d.rejected = push.error().message;
      return d;
    }
    d.number = push->tracking_number;
    if (!push->carrier_new.empty() && push->carrier_new != push->carrier)
      d.carrier_new = push->carrier_new;
    if (push->status == "abort") d.abort_message = push->message;
    d.items.push_back({push->tracking_number, std::move(push->snapshot)});
    return d;
  }
  if (target == "/push/kuaidiniao") {
    d.source = "kuaidiniao";
    auto parsed = codecs.kuaidiniao.parsePush(body);
    if (!parsed) {
      d.rejected = parsed.error().message;
      return d;
    }
    for (auto& item : *parsed) d.items.push_back({item.tracking_number, std::move(item.snapshot)});
    return d;
  }
  // /push/17track: the only other endpoint screen() lets through.
  d.source = "17track";
  if (!constantTimeEquals(sign, seventeenTrackSign(body, codecs.seventeen_key))) {
    d.rejected = "sign does not match";
    d.bad_sign = true;
    return d;
  }
  auto batch = codecs.seventeen.parseBatch(body);
  if (!batch) {
    d.rejected = batch.error().message;
    return d;
  }
  for (auto& [number, snap] : *batch) d.items.push_back({number, std::move(snap)});
  return d;
}

void PushHandler::finish(Decoded d, const HttpListener::Peer& peer, HttpListener::Respond respond) {
  if (d.rejected) rejected(d.source, peer, *d.rejected);
  if (d.source == "kuaidi100") {
    if (d.rejected)
      return respond(reply(http::status::ok, Kuaidi100Codec::pushReply(false, *d.rejected)));
    if (!d.carrier_new.empty()) {
      if (auto r = service_.correctCarrier(d.number, d.carrier_new); !r)
        log()->warn("CARRIER_CORRECTION_FAILED parcel={} error=\"{}\"", d.number,
                    r.error().message);
    }
    if (d.abort_message)
      log()->warn("PUSH_ABORT source=kuaidi100 parcel={} message=\"{}\"", d.number,
                  *d.abort_message);
    return commit(d.source, std::move(d.items), [respond = std::move(respond)](bool ok) {
      respond(reply(http::status::ok,
                    Kuaidi100Codec::pushReply(ok, ok ? "" : "store unavailable, retry")));
    });
  }
  if (d.source == "kuaidiniao") {
    Timestamp now = service_.now();
    if (d.rejected)
      return respond(
          reply(http::status::ok, codecs_->kuaidiniao.pushReply(false, *d.rejected, now)));
    return commit(
        d.source, std::move(d.items),
        [codecs = codecs_, now, respond = std::move(respond)](bool ok) {
          respond(reply(http::status::ok, codecs->kuaidiniao.pushReply(
                                              ok, ok ? "" : "store unavailable, retry", now)));
        });
  }
  if (d.bad_sign)
    return respond(reply(http::status::unauthorized, "{\"error\":\"sign does not match\"}"));
  if (d.rejected)
    return respond(reply(http::status::bad_request, "{\"error\":\"unreadable body\"}"));
  commit(d.source, std::move(d.items), [respond = std::move(respond)](bool ok) {
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
