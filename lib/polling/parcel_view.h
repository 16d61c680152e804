#pragma once
// What the scheduler knows of one parcel: a plain value built from the store
// (or, in the replay benchmark, from what the simulated aggregator answered).
#include "common/clock.h"
#include "model/event_kind.h"
#include "model/exception_kind.h"
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <optional>
#include <string>
#include <vector>

namespace pw {

struct ParcelView {
  std::string tracking_number;
  std::string carrier;               // Kuaidi100 company code: thresholds are stretched per carrier
  std::string aggregator;            // kuaidi100, kuaidiniao, 17track: whose limits apply
  std::string destination_province;  // thresholds are stretched per province
  std::string destination_city;
  std::string destination_country;  // empty: China (a parcel abroad has longer gaps)
  Timestamp shipped_at;
  std::optional<Timestamp> promised_by;

  ParcelStage stage = ParcelStage::awaiting_pickup;
  std::optional<EventKind> last_event_kind;
  std::optional<Timestamp> last_event_at;
  std::optional<Timestamp> last_scan_at;  // newest physical scan: a stall counts from it
  std::string last_scan_city;             // where it was, when the carrier said
  std::optional<Timestamp> stored_at;     // put in a locker / station, or signed by one
  bool no_result = false;                 // the aggregator knew nothing of the number yet
  std::vector<ExceptionKind> open_exceptions;

  bool push_confirmed = false;  // the aggregator confirmed the subscription
  std::optional<Timestamp> last_push_at;
  std::optional<Timestamp> last_polled_at;  // newest answered query
};

/// The view of `parcel` given its merged timeline (oldest first).
ParcelView makeParcelView(const Parcel& parcel, const Timeline& timeline, std::string aggregator);
/// The halves of makeParcelView: what the timeline says (stage, last event, last scan,
/// stored), and what the parcel's row says. An answer's events move into its commit;
/// the view of them is taken before, and the row's part once the commit read it.
void describeTimeline(ParcelView& view, const Timeline& timeline);
void describeParcel(ParcelView& view, const Parcel& parcel, std::string aggregator);

}  // namespace pw
