#pragma once
// Events as the store keeps them: reading a parcel's timeline and merging a
// carrier's answer into it, each at a cost that follows the answer and the
// capped timeline, never the parcel's whole history.
#include "model/tracking_event.h"
#include "store/store_state.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pw::store {

/// An event's row and identity.
struct EventKeys {
  std::int64_t id = 0;
  std::int64_t text_id = 0;  // content hash of the description
  std::int64_t location_id = 0;
};
/// An event with its row and identity.
struct StoredEvent : EventKeys {
  TrackingEvent event;
};

/// Detection never reads an event's local time, only what is written or
/// shown does; a screen formats it only for the parcels it keeps.
enum class LocalTimes { read, when_needed };
/// The local time of an event that readEvent, with LocalTimes::when_needed,
/// said is China time.
void fillChinaTime(TrackingEvent& e);

/// The parcel's events, oldest first, equal times in the order they came.
std::vector<StoredEvent> loadTimeline(State& s, std::int64_t parcelId);

/// The timeline's order: by time, equal times in the order they came (by
/// the event's row id).
inline bool arrivedBefore(Timestamp ta, std::int64_t ida, Timestamp tb, std::int64_t idb) {
  return ta != tb ? ta < tb : ida < idb;
}
/// Puts events read in an index's time order into the timeline's order.
/// Nearly every timeline is in that order already, and is only checked.
void sortInArrivalOrder(std::vector<StoredEvent>& events);

/// The columns readStoredEvent reads, of `events e` (descriptions from s.texts).
extern const char* const kStoredEventColumns;
/// One row of kStoredEventColumns, starting at column `first`, into `keys`
/// and `e`. True: the local time is China time and, with
/// LocalTimes::when_needed, left to fillChinaTime.
bool readEvent(State& s, const RawStatement& q, int first, LocalTimes local, EventKeys& keys,
               TrackingEvent& e);
/// One row of kStoredEventColumns, starting at column `first`, local time read.
StoredEvent readStoredEvent(State& s, const RawStatement& q, int first);

struct MergeCount {
  int added = 0;
  int rewritten = 0;
  /// The parcel had no stored events and none dropped before this answer:
  /// its timeline is now exactly `added_events`, in the order loadTimeline
  /// reads them back (by time, then as they came). Empty unless fresh.
  bool fresh = false;
  std::vector<const TrackingEvent*> added_events;
};

/// Adds what is new in `events`. For every time the answer has, a stored
/// event at that time the answer no longer has was rewritten by the carrier
/// and goes; events at other times stay (carriers trim old history). One
/// index lookup per distinct time, one insert per new event.
MergeCount mergeEvents(State& s, std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                       std::int64_t now);

/// Drops events over the cap (see eventsOverCap), remembering their
/// identities so that a re-sent history does not bring them back.
/// `evidence` holds "time:text_id" keys and `since` times never to drop.
void applyCap(State& s, std::int64_t parcelId, std::vector<StoredEvent>& timeline,
              const std::vector<std::pair<std::int64_t, std::int64_t>>& evidence,
              const std::vector<std::int64_t>& since);

/// "[[time,text_id],...]": the evidence of a finding as exceptions store it.
std::string evidenceKey(const std::vector<TrackingEvent>& evidence);
/// The (time, text_id) pairs of a stored evidence key.
std::vector<std::pair<std::int64_t, std::int64_t>> parseEvidenceKey(const std::string& key);

}  // namespace pw::store
