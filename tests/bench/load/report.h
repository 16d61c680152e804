#pragma once
// The load programs' report: one figure a line, a label column then the
// value, flushed at once so a long run shows its progress through a pipe.
#include <fmt/format.h>

#include <cstdio>
#include <string_view>

namespace pw::load {

inline void row(std::string_view label, std::string_view value) {
  fmt::print("{:<38}{}\n", label, value);
  std::fflush(stdout);
}

/// A line of a section: indented under its heading.
inline void subrow(std::string_view label, std::string_view value) {
  fmt::print("  {:<36}{}\n", label, value);
  std::fflush(stdout);
}

inline void heading(std::string_view text) {
  fmt::print("\n{}\n", text);
  std::fflush(stdout);
}

}  // namespace pw::load
