#include "store/count_deltas.h"

#include "store/store_state.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

void CountDeltas::add(std::string_view what, std::string_view key, std::int64_t n) {
  if (n == 0) return;
  by_key_[{std::string(what), std::string(key)}] += n;
}

void CountDeltas::flush(State& s) {
  for (const auto& [key, n] : by_key_) {
    if (n == 0) continue;
    auto up = s.statements.get(
        "INSERT INTO counts VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET n = n + ?3");
    up->bind(1, key.first);
    up->bind(2, key.second);
    up->bind(3, static_cast<int64_t>(n));
    up->exec();
  }
  by_key_.clear();
}

}  // namespace pw::store
