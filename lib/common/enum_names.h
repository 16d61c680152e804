#pragma once
// Enum <-> name tables for the vocabularies that are interfaces (event kinds,
// exception kinds, remedies, stages, task states): one table per enum, and
// names are never derived from anything else.
#include <optional>
#include <string_view>
#include <utility>

namespace pw {

template <class E, std::size_t N>
struct EnumNames {
  std::pair<E, std::string_view> table[N];

  constexpr std::string_view name(E value) const {
    for (const auto& [e, n] : table)
      if (e == value) return n;
    return table[0].second;  // unreachable for a complete table
  }
  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [e, n] : table)
      if (n == text) return e;
    return std::nullopt;
  }
};

}  // namespace pw
