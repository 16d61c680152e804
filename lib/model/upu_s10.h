#pragma once
// UPU S10 identifiers of international postal items: two letters, eight
// digits, a check digit and the issuing country's code ("RR123456785CN").
// In the model because both carrier routing (the cross-border aggregator)
// and detection (longer thresholds abroad) ask it.
#include <string_view>

namespace pw {

/// Format and check digit.
bool isValidS10(std::string_view number);

}  // namespace pw
