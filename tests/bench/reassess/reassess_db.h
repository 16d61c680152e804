#pragma once
// The database bench_reassess measures on: N parcels x about 6 events in the
// real SQLite schema, built in tens of seconds rather than the minutes the
// Store API takes at a million (bench_store_scale). A template of a few
// thousand parcels goes through the real Store API and the real assessor
// (so every row is what the daemon writes), then SQL copies it onto itself
// with shifted ids until there are N parcels, in one transaction.
//
// The template is assessed with thresholds other than the daemon's (stalled
// after 72 h for some parcels, 30 h for others; the daemon has 48 h), so a
// reassessment with the daemon's configuration raises and resolves
// exceptions for one parcel in a hundred each, as after an operator changed a
// threshold; the others change nothing.
#include "common/clock.h"
#include "remedies/assessor.h"

#include <cstdint>
#include <filesystem>

namespace pw::bench {

struct ReassessDbFigures {
  std::int64_t parcels = 0;
  std::int64_t active = 0;  // not delivered or returned: what reassess --all covers
  std::int64_t events = 0;
  std::int64_t open_exceptions = 0;
  double seconds = 0;
};

/// Builds `file` (replaced if it exists) with `parcels` parcels as of `now`.
/// `rules` are the daemon's; the template's are derived from them.
ReassessDbFigures buildReassessDb(const std::filesystem::path& file, std::int64_t parcels,
                                  const AssessmentRules& rules, Timestamp now);

}  // namespace pw::bench
