#pragma once
#include <string>

namespace pw {

/// Where a scan happened, as China's administrative divisions name it.
/// Empty fields mean "not known", never a guess.
struct Place {
  std::string province;
  std::string city;
  std::string district;
  bool empty() const { return province.empty() && city.empty(); }
  bool operator==(const Place&) const = default;
};

}  // namespace pw
