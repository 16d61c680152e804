#pragma once
// 17TRACK API v2.2 for cross-border parcels: numbers are registered once
// (`register`), then fetched with `gettrackinfo`; both take a JSON array of at
// most 40 numbers and authenticate with the `17token` header. Event times
// come in UTC (`time_utc`), so no zone is configured.
#include "carriers/carrier_codec.h"

namespace pw {

struct SeventeenTrackSettings {
  std::string endpoint = "https://api.17track.net/track/v2.2";
  std::string token;
};

class SeventeenTrackCodec final : public CarrierCodec {
 public:
  static constexpr size_t kMaxNumbersPerRequest = 40;

  explicit SeventeenTrackCodec(SeventeenTrackSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "17track"; }
  HttpRequest buildQuery(const Parcel& parcel) const override;
  Result<CarrierSnapshot> parseQuery(const HttpResponse& response) const override;
  std::optional<HttpRequest> buildRegistration(const Parcel& parcel) const override;
  std::size_t maxBatch() const override { return kMaxNumbersPerRequest; }
  HttpRequest buildBatch(const std::vector<Parcel>& parcels) const override;
  Result<BatchResults> parseBatch(const HttpResponse& response) const override;

  /// A `gettrackinfo` for up to 40 numbers; throws std::invalid_argument beyond.
  HttpRequest buildBatchQuery(const std::vector<std::string>& numbers) const;
  /// Every accepted or rejected number in a `gettrackinfo` answer or a
  /// TRACKING_UPDATED webhook body.
  Result<BatchResults> parseBatch(std::string_view body) const;

 private:
  HttpRequest post(std::string_view path, std::string body) const;
  SeventeenTrackSettings settings_;
};

}  // namespace pw
