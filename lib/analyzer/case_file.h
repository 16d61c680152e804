#pragma once
// A recorded case, as `parcelwatchctl analyze` reads it: a parcel, an as_of
// instant, the aggregator's name and its response body exactly as received.
// An aggregator's "no such number" or "no result" answer is a valid case: it
// is what invalid_number is made of.
//
//   {"parcel": {...}, "as_of": "2024-05-06T12:00:00+08:00",
//    "source": "kuaidi100" | "kuaidiniao" | "17track",
//    "response": {...the aggregator's body...},
//    "buyer_claims_not_received": false,              (optional)
//    "claimed_at": "2024-05-06T09:00:00+08:00"}       (optional, replay: when the buyer said so)
#include "carriers/carrier_codec.h"
#include "common/result.h"
#include "config/config.h"
#include "remedies/assessor.h"

#include <optional>
#include <string_view>

namespace pw {

struct LoadedCase {
  Parcel parcel;
  Timestamp as_of;
  CarrierSnapshot snapshot;  // events oldest first; empty for a "no result" answer
  AssessContext context;     // what the answer says beside the events, at as_of
  std::optional<Timestamp> claimed_at;
};

/// Parses and decodes a case with the same codecs as the daemon. Errors name
/// the field that is wrong.
Result<LoadedCase> loadCase(std::string_view caseJson, const Config& config);

}  // namespace pw
