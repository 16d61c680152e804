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

 private:
  // Bounds the cache (a few MiB); past it, it starts again.
  static constexpr std::size_t kMaxTexts = 65536;
  StatementCache& statements_;
  std::unordered_map<std::int64_t, std::string> texts_;
};

}  // namespace pw::store
