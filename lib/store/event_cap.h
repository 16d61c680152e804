#pragma once
#include "model/event_kind.h"

#include <cstddef>
#include <string_view>
#include <vector>

namespace pw::store {

/// One stored event as the cap sees it.
struct CapEvent {
  std::string_view description;
  EventKind kind = EventKind::unknown;
  bool evidence = false;  // an open exception points at it
};

/// Which events of a time-ordered timeline to drop so that at most `cap`
/// remain (indexes, ascending). Repeated scans go first (the middle of a run
/// of equal texts, then the later of two equal neighbours), oldest first,
/// then the oldest events. Never dropped: an open exception's evidence, the
/// newest event, and the first and last event of each kind (what the rules
/// key on: the pickup, the first departure, the last attempt).
std::vector<std::size_t> eventsOverCap(const std::vector<CapEvent>& timeline, std::size_t cap);

}  // namespace pw::store
