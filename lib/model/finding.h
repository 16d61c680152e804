#pragma once
// What a detection rule returns: a pure value, the same for the daemon, the
// analyzer and tests. The store turns it into a persisted ParcelException.
#include "common/clock.h"
#include "model/exception_kind.h"
#include "model/tracking_event.h"

#include <string>
#include <vector>

namespace pw {

struct Finding {
  ExceptionKind kind = ExceptionKind::problem;
  Timestamp since;                      // when the condition began to hold
  std::vector<TrackingEvent> evidence;  // the events that fired it (may be empty)
  Seconds threshold{0};
  Seconds elapsed{0};  // time since the reference point the threshold is measured from
  std::string detail;  // one line for people, e.g. "in transit, no scan for 61h"
};

}  // namespace pw
