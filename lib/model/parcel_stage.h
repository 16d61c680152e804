#pragma once
#include "model/parcel.h"
#include "model/tracking_event.h"

namespace pw {

/// The stage a timeline shows, from its latest meaningful event. A carrier's
/// own "delivered" flag is passed in because some carriers set it without a
/// scan we can classify.
ParcelStage stageOf(const Timeline& timeline, bool carrierSaysDelivered = false);

}  // namespace pw
