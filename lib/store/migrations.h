#pragma once
#include <string_view>
#include <vector>

namespace pw::store {

/// Schema steps, applied in order; `PRAGMA user_version` records how many ran.
/// Never edit a released step: add a new one.
const std::vector<std::string_view>& migrations();

}  // namespace pw::store
