#pragma once
// Kuaidi100 real-time query (poll/query.do): a form POST of `customer`,
// `param` (JSON) and `sign` = upper-case MD5(param + key + customer). The
// answer lists events newest first with local times and no zone.
#include "carriers/carrier_codec.h"
#include "common/time_zone.h"

#include <boost/json/object.hpp>

namespace pw {

struct Kuaidi100Settings {
  std::string endpoint = "https://poll.kuaidi100.com/poll/query.do";
  std::string customer;
  std::string key;
  TimeZone zone = TimeZone::shanghai();
  std::string subscribe_endpoint = "https://poll.kuaidi100.com/poll";
  std::string callback_url;  // empty: no subscriptions, polling only
  std::string salt;          // signs pushes: sign = MD5(param + salt)
};

/// One subscription push (poll callback).
struct Kuaidi100Push {
  std::string status;   // polling, shutdown, abort, updateall
  std::string message;  // e.g. "3天查询无记录", "60天无变化"
  std::string tracking_number;
  std::string carrier;      // `com` of lastResult
  std::string carrier_new;  // comNew when Kuaidi100 corrected the carrier code
  Result<CarrierSnapshot> snapshot = CarrierSnapshot{};
};

class Kuaidi100Codec final : public CarrierCodec {
 public:
  explicit Kuaidi100Codec(Kuaidi100Settings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "kuaidi100"; }
  HttpRequest buildQuery(const Parcel& parcel) const override;
  Result<CarrierSnapshot> parseQuery(const HttpResponse& response) const override;

  /// The `param` JSON and its signature, exposed for tests and the simulator.
  static std::string queryParam(const Parcel& parcel);
  static std::string sign(std::string_view param, std::string_view key, std::string_view customer);

  /// Parses a response body alone (no HTTP status), e.g. a recorded file.
  Result<CarrierSnapshot> parseBody(std::string_view body) const;

  /// Subscribes a number to pushes at settings.callback_url.
  HttpRequest buildSubscription(const Parcel& parcel) const;
  /// Verifies (sign = MD5(param + salt)) and parses a push's form body.
  Result<Kuaidi100Push> parsePush(std::string_view formBody) const;
  /// The answer Kuaidi100 expects within 20 s.
  static std::string pushReply(bool ok, std::string_view message);

 private:
  /// An answer already parsed: a query's body, or a push's lastResult (the
  /// same fields), read where it lies rather than serialised and parsed again.
  Result<CarrierSnapshot> snapshotOf(const boost::json::object& answer) const;

  Kuaidi100Settings settings_;
};

}  // namespace pw
