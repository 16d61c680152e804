#pragma once
// When each exception held on the full-knowledge timeline, and the real
// detection run on what was known at a moment.
#include "detection/detection_policy.h"
#include "model/finding.h"
#include "replay/history_model.h"

#include <optional>
#include <vector>

namespace pw::replay {

/// The events an aggregator could report at `now`: the truth up to it.
std::size_t knownAt(const SimParcel& p, Timestamp now);

/// pw::detect on the first `known` events, evaluated at `now`.
std::vector<Finding> findingsAt(const SimParcel& p, std::size_t known, Timestamp now,
                                const DetectionPolicy& policy);

struct Episode {
  ExceptionKind kind;
  Timestamp onset;  // when it became true on the full timeline
  Timestamp end;    // when it stopped (or the end of the run)
};

/// Every episode of every kind until `horizon`. Rules change their verdict
/// only at events or at threshold crossings inside a gap, so evaluating at each
/// event and just before the next one sees every change; a crossing's exact
/// time is the finding's `since`.
std::vector<Episode> episodesOf(const SimParcel& p, Timestamp horizon,
                                const DetectionPolicy& policy);

}  // namespace pw::replay
