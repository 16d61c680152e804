#pragma once
// Kuaidiniao (快递鸟): instant query (RequestType 1002, or 8001 for the
// in-transit monitor with StateEx codes) as a form POST of RequestData (JSON),
// EBusinessID, RequestType, DataType=2 and DataSign = base64(md5hex(RequestData
// + AppKey)), URL-encoded. Traces come oldest first, local times, no zone.
// Pushes (RequestType 101) carry full snapshots for several parcels at once.
#include "carriers/carrier_codec.h"
#include "common/time_zone.h"

#include <boost/json/object.hpp>

namespace pw {

struct KuaidiniaoSettings {
  std::string endpoint = "https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx";
  std::string business_id;
  std::string app_key;
  std::string request_type = "8001";
  TimeZone zone = TimeZone::shanghai();
};

/// One parcel's snapshot from a push.
struct KuaidiniaoPushItem {
  std::string tracking_number;
  std::string carrier;  // Kuaidi100 code, mapped from ShipperCode (or the ShipperCode if unknown)
  Result<CarrierSnapshot> snapshot;
};

class KuaidiniaoCodec final : public CarrierCodec {
 public:
  explicit KuaidiniaoCodec(KuaidiniaoSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "kuaidiniao"; }
  HttpRequest buildQuery(const Parcel& parcel) const override;
  Result<CarrierSnapshot> parseQuery(const HttpResponse& response) const override;
  Result<CarrierSnapshot> parseBody(std::string_view body) const;

  /// DataSign before URL encoding.
  static std::string sign(std::string_view requestData, std::string_view appKey);

  /// Verifies and parses a push (the form body Kuaidiniao POSTs).
  Result<std::vector<KuaidiniaoPushItem>> parsePush(std::string_view formBody) const;
  /// The reply Kuaidiniao expects for a push.
  std::string pushReply(bool success, std::string_view reason, Timestamp now) const;

 private:
  Result<CarrierSnapshot> parseTracingData(const boost::json::object& o) const;
  KuaidiniaoSettings settings_;
};

}  // namespace pw
