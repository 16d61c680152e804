#pragma once
// Event descriptions by their content hash (the `texts` table), cached per
// connection: a page of timelines names the same hub scans over and over, and
// a lookup in memory is what lets reading a timeline skip a join per event.
// A text never changes under its id (the id is its hash; a rolled-back insert
// comes back with the same text), so a cached text cannot go stale.
#include "store/statement_cache.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace pw::store {

class EventTexts {
 public:
  explicit EventTexts(StatementCache& statements) : statements_(statements) {}
  /// The text stored under `id` ("" for none).
  const std::string& textOf(std::int64_t id);

  /// For the writer: the text `texts` holds under `id` as far as this
  /// connection wrote or read it in a transaction that was not rolled back
  /// (null: not known). Most events of a first poll are hub scans already
  /// stored; knowing it saves their insert and the read that checks it.
  const std::string* storedText(std::int64_t id) const;
  void noteStored(std::int64_t id, const std::string& text);
  /// After a rollback: what it took back is no longer known to be stored.
  void forgetStored() { stored_.clear(); }

 private:
  // Bounds the cache (a few MiB); past it, it starts again.
  static constexpr std::size_t kMaxTexts = 65536;
  // The writer's, smaller: it sits beside the due queue of a million parcels.
  static constexpr std::size_t kMaxStored = 16384;
  StatementCache& statements_;
  std::unordered_map<std::int64_t, std::string> texts_;
  // Unlike texts_, only what a rollback did not take back: an insert this
  // connection made, or a row it read, in the transaction still open or one
  // that committed (texts are never deleted).
  std::unordered_map<std::int64_t, std::string> stored_;
};

}  // namespace pw::store
