#pragma once
// `parcelwatchctl analyze --replay`: walks a recorded history through time as
// the daemon would have seen it (after each event, and at each threshold
// crossing up to as_of) and reports when each exception would have been
// raised, updated and resolved, with its lead time before the final outcome.
// Support teams ask it "would parcelwatch have warned us, and when?";
// merchants tune thresholds on their own exported histories with it.
//
// The times are the earliest the daemon could have known: the moment the
// event became visible, or the exact threshold crossing. A real daemon sees
// an event at its next poll or push, and a crossing at the poll after it.
#include "common/result.h"
#include "config/config.h"

#include <boost/json/object.hpp>

#include <string_view>
#include <vector>

namespace pw {

/// JSON lines for one case, in time order: one per change
/// ({"change": "raised" | "updated" | "resolved", "at", "kind", ...}), then
/// one {"change": "end", "open": [...], "final_outcome": {...}}.
Result<std::vector<boost::json::object>> replayCase(std::string_view caseJson,
                                                    const Config& config);

}  // namespace pw
