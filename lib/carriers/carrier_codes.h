#pragma once
// A parcel's carrier is recorded as a Kuaidi100 company code ("yuantong");
// other aggregators name the same carriers differently ("YTO" at Kuaidiniao).
// This one table maps between them.
#include <optional>
#include <string>
#include <string_view>

namespace pw {

/// Kuaidiniao ShipperCode for a Kuaidi100 company code.
std::optional<std::string> kuaidiniaoCode(std::string_view kuaidi100Code);
/// Kuaidi100 company code for a Kuaidiniao ShipperCode.
std::optional<std::string> kuaidi100CodeFromKuaidiniao(std::string_view shipperCode);

}  // namespace pw
