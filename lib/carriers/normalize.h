#pragma once
// Turns one carrier answer's events into a clean timeline: ordered by time
// (equal times keep the carrier's order), exact duplicates collapsed, and the
// pickup hand-over trap fixed. Codecs call it last; it is pure.
#include "model/tracking_event.h"

#include <vector>

namespace pw {

void normalizeTimeline(std::vector<TrackingEvent>& events);

}  // namespace pw
