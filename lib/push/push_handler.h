#pragma once
// What the push listener does with a request, apart from the sockets (so it
// can be fuzzed with parsed requests): who may push (push.allow_from), which
// endpoints exist (only those of enabled aggregators whose push secret is
// set), signature checks in constant time, and committing what a verified
// push carries before it is acknowledged.
//   POST /push/kuaidi100   subscription callbacks (form: param, sign)
//   POST /push/kuaidiniao  RequestType 101 trace pushes (form: RequestData, DataSign)
//   POST /push/17track     webhooks (JSON; header `sign`)
#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "common/address_filter.h"
#include "common/log.h"
#include "config/config.h"
#include "httpd/http_listener.h"
#include "polling/decode_pool.h"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pw {

class PollingService;

class PushHandler {
 public:
  /// Bodies are verified and decoded on `decodeThreads` threads of their own
  /// (0: inline, on the loop); everything else happens on the loop of `io`.
  PushHandler(PollingService& service, const Config& config, boost::asio::io_context& io,
              unsigned decodeThreads = 0);

  /// Before the body is read: 403 outside push.allow_from, 405, or 404 for
  /// an endpoint that is not served; nullopt to go on reading.
  std::optional<HttpReply> screen(const HttpListener::Request& header,
                                  const HttpListener::Peer& peer);
  /// A whole request from a peer that passed screen(). `respond` runs once,
  /// on the loop: at once for a refusal, after the group commit for a push
  /// that carries histories.
  void handle(const HttpListener::Request& req, const HttpListener::Peer& peer,
              HttpListener::Respond respond);
  /// A connection closed because push.max_connections were open.
  void refused(const HttpListener::Peer& peer, std::uint64_t refusedSoFar);
  /// Takes new keys, salts, allow_from and enabled aggregators (a reload).
  void reconfigure(const Config& config);

  /// 17TRACK's webhook signature: hex SHA-256 of body + "/" + key.
  static std::string seventeenTrackSign(std::string_view body, std::string_view key);

 private:
  struct Item {
    std::string number;
    Result<CarrierSnapshot> snapshot;
  };
  /// The decoders as configured when a request came: a reload swaps the
  /// pointer, a decode on the pool keeps the one it started with.
  struct Codecs {
    Kuaidi100Codec kuaidi100;
    KuaidiniaoCodec kuaidiniao;
    SeventeenTrackCodec seventeen;
    std::string seventeen_key;
  };
  /// What a body says, worked out from the body alone (on the decode pool).
  struct Decoded {
    std::string_view source;
    std::optional<std::string> rejected;  // why the body is refused
    bool bad_sign = false;                // 17TRACK: 401, not 400
    std::vector<Item> items;
    std::string number;                        // Kuaidi100: the number,
    std::string carrier_new;                   // the carrier Kuaidi100 corrected it to,
    std::optional<std::string> abort_message;  // and its "abort" status
  };
  static Decoded decode(const Codecs& codecs, std::string_view target, const std::string& body,
                        const std::string& sign);
  /// Back on the loop: logs, corrects the carrier, commits, answers.
  void finish(Decoded decoded, const HttpListener::Peer& peer, HttpListener::Respond respond);
  /// Commits what one request carries; `then(ok)` once every item is
  /// committed (ok: safe to acknowledge) or failed.
  void commit(std::string_view source, std::vector<Item> items, std::function<void(bool)> then);
  void rejected(std::string_view source, const HttpListener::Peer& peer, const std::string& why);
  bool serves(std::string_view target) const;

  PollingService& service_;
  std::shared_ptr<const Codecs> codecs_;
  bool kuaidi100_on_ = false;
  bool kuaidiniao_on_ = false;
  bool seventeen_on_ = false;
  AddressFilter allow_from_;
  // Anyone who can reach the listener can send garbage: a few lines and a
  // count per kind of refusal, not one line per request.
  LogLimiter limiter_;
  // Last: joined before what its continuations use is gone.
  DecodePool decode_;
};

}  // namespace pw
