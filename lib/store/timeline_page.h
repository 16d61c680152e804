#pragma once
// A page of parcels read at once for a reassessment: the parcels, their
// timelines, open exceptions and claim facts in a few range queries by
// parcel id, instead of five or six point queries per parcel.
#include "store/reconcile.h"
#include "store/store.h"
#include "store/store_state.h"
#include "store/stored_events.h"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace pw::store {

struct PageParcel {
  std::optional<Parcel> parcel;  // none: no longer stored
  /// Oldest first, as loadTimeline. Read straight into the Timeline that
  /// detection takes: moving each event's strings out of a StoredEvent was
  /// a twentieth of a screen.
  Timeline timeline;
  /// Per event, with LocalTimes::when_needed: its local time is China time,
  /// not yet formatted (fillChinaTime). Empty with LocalTimes::read.
  std::vector<bool> china_time_pending;
  OpenExceptions open;
  ClaimFacts claims;
};

/// What a screen read of a parcel it named, as a reassessment of it needs.
struct ScreenRow {
  Parcel parcel;
  Timeline timeline;
  OpenExceptions open;
  ClaimFacts claims;
};
/// A parcel whose reassessment only rewrites its open exceptions' elapsed
/// time and detail (no raise, no resolution, no new evidence, the same
/// stage): most of the parcels a reassessment writes. The screen keeps the
/// rows to write instead of the timeline, so the writer neither reads nor
/// assesses it again.
struct RefreshOnly {
  ParcelStage stage = ParcelStage::awaiting_pickup;
  std::vector<ExceptionRefresh> rows;
};
struct ScreenRows {
  std::unordered_map<std::int64_t, ScreenRow> by_id;
  std::unordered_map<std::int64_t, RefreshOnly> refresh_only;
};

/// The parcels `ids` (ascending) as stored now, in the same order. Call it
/// inside the transaction that commits what follows from it.
std::vector<PageParcel> readTimelinePage(State& s, const std::vector<std::int64_t>& ids,
                                         Timestamp claimsSince,
                                         LocalTimes localTimes = LocalTimes::read);

}  // namespace pw::store
