#pragma once
#include <cstdint>
#include <string_view>

namespace pw::store {

/// FNV-1a, 64 bits, as a signed SQLite INTEGER. Stable across builds and
/// machines: it identifies event texts on disk, so it must never change.
std::int64_t contentHash(std::string_view text);

}  // namespace pw::store
