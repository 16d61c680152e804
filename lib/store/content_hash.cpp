#include "store/content_hash.h"

#include <bit>

namespace pw::store {

std::int64_t contentHash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return std::bit_cast<std::int64_t>(h);
}

}  // namespace pw::store
