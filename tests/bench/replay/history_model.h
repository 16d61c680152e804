#pragma once
// A synthetic population of parcels with complete, normalized histories shaped
// like Chinese domestic express tracks: pickup, a few hub scans hours apart, a
// trunk leg of 20-40 h, the destination hub, the delivering branch, out for
// delivery in the morning, then a signature, a locker or station and a
// collection 0-80 h later. Exceptions are injected at fixed rates. Nothing is
// read from outside: the shapes are written here.
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pw::replay {

struct SimParcel {
  Parcel parcel;
  std::string aggregator;  // kuaidi100 or kuaidiniao
  bool push_confirmed = false;
  Timeline truth;  // every event the carrier will ever report, oldest first
};

struct PopulationSettings {
  std::size_t parcels = 10000;
  std::uint64_t seed = 20261124;
  /// Parcels are registered in batches (a merchant's print run) over this long.
  Seconds registration_window = std::chrono::hours(48);
  double push_confirmed_share = 0.6;
  double kuaidiniao_share = 0.15;
};

std::vector<SimParcel> generatePopulation(const PopulationSettings& s, Timestamp start);

}  // namespace pw::replay
