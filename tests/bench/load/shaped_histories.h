#pragma once
// bench_load's histories, four shapes a quarter each (by parcel index):
// stalled, moving, delivered, failed delivery; 3 to 7 events. Each shape's
// Kuaidi100 answer is built once around a placeholder number and the real
// number is spliced in per request, so the fake carrier holds four bodies,
// not one per parcel (a million bodies would be gigabytes).
#include "common/clock.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pw::load {

class ShapedHistories {
 public:
  explicit ShapedHistories(Timestamp now);
  std::string body(std::string_view number, std::uint64_t index) const;
  static int shapeOf(std::uint64_t index) { return static_cast<int>(index % 4); }

 private:
  // Each body cut where the number goes.
  std::array<std::vector<std::string>, 4> pieces_;
};

}  // namespace pw::load
