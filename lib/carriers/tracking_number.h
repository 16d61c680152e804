#pragma once
// Tracking-number formats of the common Chinese carriers and the UPU S10
// format of postal items (two letters, eight digits, a check digit, a country
// code), so an obviously wrong number is caught without spending a query and
// a parcel registered without a carrier gets a candidate.
#include "model/upu_s10.h"

#include <string>
#include <string_view>
#include <vector>

namespace pw {

struct NumberCheck {
  bool plausible = true;  // false: it cannot be this carrier's number
  std::string reason;     // why not, e.g. "zhongtong numbers are 12 or 14 digits"
};

/// Checks `number` against the carrier's formats; carriers we have no rule
/// for accept everything.
NumberCheck checkTrackingNumber(std::string_view carrier, std::string_view number);

/// Kuaidi100 codes of the carriers whose format fits, most specific first
/// (a prefix such as "SF" or "JT" beats a bare digit count).
std::vector<std::string> guessCarriers(std::string_view number);

}  // namespace pw
