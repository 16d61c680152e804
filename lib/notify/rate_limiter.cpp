#include "notify/rate_limiter.h"

#include <algorithm>
#include <limits>

namespace pw::notify {

RateLimiter::RateLimiter(std::vector<RateLimit> limits) : limits_(std::move(limits)) {
  for (const auto& l : limits_) longest_ = std::max(longest_, l.window);
}

int RateLimiter::used(const RateLimit& limit, TimePoint now) const {
  // Sends in (now - window, now].
  auto from = std::upper_bound(sent_.begin(), sent_.end(), now - limit.window);
  return static_cast<int>(std::distance(from, sent_.end()));
}

int RateLimiter::available(TimePoint now) const {
  int out = std::numeric_limits<int>::max();
  for (const auto& l : limits_) out = std::min(out, std::max(0, l.count - used(l, now)));
  return out;
}

TimePoint RateLimiter::nextFree(TimePoint now) const {
  TimePoint out = now;
  for (const auto& l : limits_) {
    int u = used(l, now);
    if (u < l.count) continue;
    // The (u - count + 1) oldest sends in the window must leave it first.
    auto from = std::upper_bound(sent_.begin(), sent_.end(), now - l.window);
    TimePoint leaves = *(from + (u - l.count)) + l.window;
    out = std::max(out, leaves);
  }
  return out;
}

void RateLimiter::record(TimePoint sentAt) {
  if (limits_.empty()) return;
  // Keep the log sorted even if the wall clock stepped back.
  if (!sent_.empty() && sentAt < sent_.back()) sentAt = sent_.back();
  sent_.push_back(sentAt);
  while (!sent_.empty() && sent_.front() <= sentAt - longest_) sent_.pop_front();
}

}  // namespace pw::notify
