#pragma once
#include <string>
#include <string_view>

namespace pw {

/// The name buyers know a carrier by ("圆通速递" for "yuantong"); the code itself
/// when we have no name for it.
std::string carrierDisplayName(std::string_view code);
/// The same in English ("YTO Express").
std::string carrierDisplayNameEn(std::string_view code);

}  // namespace pw
