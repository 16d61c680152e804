#pragma once
// The changes a write transaction makes to the `counts` table (what `status`,
// `stats` and /metrics read), added up in memory and written once, at its
// commit. A trigger per inserted exception, per inserted task and per stage
// change ran a trigger program (two statements for a stage) for every first
// answer: 13 % of a first poll round's commit (bench_first_poll, callgrind).
// Deletes and the rarer updates keep their triggers.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace pw::store {

struct State;

class CountDeltas {
 public:
  void add(std::string_view what, std::string_view key, std::int64_t n);
  bool empty() const { return by_key_.empty(); }
  void clear() { by_key_.clear(); }

  /// Adds them to `counts` in the open transaction, then forgets them.
  void flush(State& s);

 private:
  std::map<std::pair<std::string, std::string>, std::int64_t> by_key_;
};

}  // namespace pw::store
