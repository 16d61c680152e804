#include "polling/number_quota.h"

#include <algorithm>

namespace pw {

Timestamp NumberQuota::earliest(const NumberLimits& limits, Timestamp now) const {
  Timestamp t = now;
  if (sent_.empty()) return t;
  if (limits.min_gap > Seconds(0)) t = std::max(t, sent_.back() + limits.min_gap);
  if (limits.max_per_window > 0) {
    // A query at t is allowed while fewer than max were sent in (t - window, t];
    // the max-th newest must have left the window.
    auto n = static_cast<std::size_t>(limits.max_per_window);
    if (sent_.size() >= n) t = std::max(t, sent_[sent_.size() - n] + limits.window);
  }
  return t;
}

void NumberQuota::record(const NumberLimits& limits, Timestamp at) {
  sent_.push_back(at);
  Seconds keep = std::max(limits.window, limits.min_gap);
  while (sent_.size() > 1 && sent_.front() <= at - keep) sent_.pop_front();
}

int NumberQuota::sentWithin(Seconds window, Timestamp now) const {
  return static_cast<int>(
      std::count_if(sent_.begin(), sent_.end(), [&](Timestamp t) { return t > now - window; }));
}

std::optional<Timestamp> NumberQuota::last() const {
  if (sent_.empty()) return std::nullopt;
  return sent_.back();
}

}  // namespace pw
