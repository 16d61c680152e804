#include "polling/backoff.h"

#include <algorithm>
#include <cmath>

namespace pw {

Seconds backoffDelay(const BackoffSettings& s, int failures, std::optional<Seconds> retryAfter,
                     Jitter& jitter) {
  double step = static_cast<double>(s.base.count()) *
                std::pow(s.factor, static_cast<double>(std::max(0, failures - 1)));
  auto ceiling =
      Seconds(static_cast<Seconds::rep>(std::min(step, static_cast<double>(s.cap.count()))));
  Seconds d = jitter.between(ceiling / 2, ceiling);
  if (retryAfter) d = std::max(d, std::min(*retryAfter, s.max_retry_after));
  return d;
}

}  // namespace pw
