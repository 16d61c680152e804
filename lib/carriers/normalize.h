#pragma once
// Turns one carrier answer's events into a clean timeline: ordered by time
// (equal times keep the carrier's order), exact duplicates collapsed, and the
// pickup hand-over trap fixed. Codecs call it last; it is pure.
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <vector>

namespace pw {

void normalizeTimeline(std::vector<TrackingEvent>& events);

/// Puts the destination in the gazetteer's names ("杭州" -> "杭州市", with its
/// province), so rules can compare it with where scans happened. A place the
/// gazetteer does not know is left as written.
void normalizeDestination(Parcel& parcel);

}  // namespace pw
