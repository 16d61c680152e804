#pragma once
// p50 / p99 / max of a set of latencies, and its one-line rendering.
#include <cstddef>
#include <string>
#include <vector>

namespace pw::load {

struct LatencySummary {
  std::size_t count = 0;
  double p50 = 0, p99 = 0, max = 0;  // milliseconds

  /// "p50 10.1 ms, p99 17.2 ms, max 20.3 ms (80 calls)".
  std::string text() const;
};

/// Nearest-rank percentiles; sorts `ms`.
LatencySummary summarize(std::vector<double> ms);

}  // namespace pw::load
