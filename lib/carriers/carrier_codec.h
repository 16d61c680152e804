#pragma once
// Every aggregator sits behind this interface: build the signed request, parse
// a body into events. Codecs are pure (no sockets, no clocks, no logging) so
// they are tested on recorded bodies and fuzzed directly.
#include "common/http.h"
#include "common/result.h"
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <optional>
#include <string>
#include <vector>

namespace pw {

struct CarrierSnapshot {
  std::vector<TrackingEvent> events;  // oldest first
  /// Set when the carrier itself says the parcel reached a final state.
  std::optional<ParcelStage> carrier_stage;
  std::string carrier_state;          // the carrier's own state code, for display
  std::vector<std::string> warnings;  // events dropped, with the reason
  bool invalid_number = false;        // the carrier says the number does not exist
};

class CarrierCodec {
 public:
  virtual ~CarrierCodec() = default;
  virtual std::string_view name() const = 0;
  virtual HttpRequest buildQuery(const Parcel& parcel) const = 0;
  virtual Result<CarrierSnapshot> parseQuery(const HttpResponse& response) const = 0;
  /// For aggregators that must be told about a number before they track it
  /// (17TRACK); a query answered with ErrorCode::not_registered sends this.
  virtual std::optional<HttpRequest> buildRegistration(const Parcel&) const { return std::nullopt; }

  /// How many parcels one query may carry; above 1 the poller sends due
  /// parcels together (17TRACK: 40 numbers a request).
  virtual std::size_t maxBatch() const { return 1; }
  using BatchResults = std::vector<std::pair<std::string, Result<CarrierSnapshot>>>;
  /// One query for 1 to maxBatch() parcels.
  virtual HttpRequest buildBatch(const std::vector<Parcel>& parcels) const {
    return buildQuery(parcels.front());
  }
  /// The answer to buildBatch, per tracking number; a failure of the whole
  /// answer (HTTP status, not JSON, an API error) is the Result's error.
  virtual Result<BatchResults> parseBatch(const HttpResponse& response) const {
    auto snap = parseQuery(response);
    if (!snap) return snap.error();
    return makeError(ErrorCode::internal, std::string(name()) + " does not batch");
  }
};

}  // namespace pw
