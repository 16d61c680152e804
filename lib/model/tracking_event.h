#pragma once
#include "common/clock.h"
#include "model/event_detail.h"
#include "model/event_kind.h"
#include "model/place.h"

#include <string>
#include <vector>

namespace pw {

/// One scan as the carrier reported it, with its normalized meaning.
struct TrackingEvent {
  Timestamp time;           // UTC
  std::string local_time;   // the carrier's original text, e.g. "2024-05-03 18:40:12"
  std::string description;  // free text (Kuaidi100 `context`)
  std::string location;     // area name when the carrier gives one, else empty
  EventKind kind = EventKind::unknown;
  std::string carrier_status;  // the carrier's own status code or name, if any
  EventReason reason = EventReason::none;
  SignerType signer_type = SignerType::none;  // set on `signed_` events
  std::string signer;                         // the signer as written, e.g. "门卫"
  Place place;  // from the area field or the text, through the gazetteer

  bool operator==(const TrackingEvent&) const = default;
};

/// A parcel's events, oldest first, equal times in a stable order.
using Timeline = std::vector<TrackingEvent>;

}  // namespace pw
