#include "notify/sink_stats.h"

#include <algorithm>

namespace pw::notify {

void Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) {
      ++buckets[i];
      break;
    }
  ++count;
  sum += seconds;
  max = std::max(max, seconds);
}

}  // namespace pw::notify
