#pragma once
// Randomness for spreading polls. Seeded by the caller so tests and the replay
// benchmark are repeatable; the daemon seeds it from std::random_device.
#include "common/clock.h"

#include <cstdint>
#include <random>

namespace pw {

class Jitter {
 public:
  explicit Jitter(std::uint64_t seed) : engine_(seed) {}

  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(engine_); }

  /// Uniform in [lo, hi], whole seconds; lo when hi <= lo.
  Seconds between(Seconds lo, Seconds hi) {
    if (hi <= lo) return lo;
    return Seconds(std::uniform_int_distribution<Seconds::rep>(lo.count(), hi.count())(engine_));
  }

  /// `d` scaled by a factor uniform in [1 - spread, 1 + spread].
  Seconds around(Seconds d, double spread) {
    double f = spread > 0 ? uniform(1.0 - spread, 1.0 + spread) : 1.0;
    return Seconds(static_cast<Seconds::rep>(static_cast<double>(d.count()) * f));
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace pw
