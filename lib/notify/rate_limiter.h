#pragma once
// At most `count` sends in any `window`, for every limit at once (Feishu has
// two). A sliding log of send times: exact, and small because the windows
// hold at most a hundred sends.
#include "notify/notify_time.h"
#include "notify/sink_config.h"

#include <deque>
#include <vector>

namespace pw::notify {

class RateLimiter {
 public:
  explicit RateLimiter(std::vector<RateLimit> limits);

  /// Sends that may go right now without breaking any limit (a large number
  /// when there are no limits).
  int available(TimePoint now) const;
  /// The earliest time a send may go (`now` when one may go now).
  TimePoint nextFree(TimePoint now) const;
  void record(TimePoint sentAt);

 private:
  int used(const RateLimit& limit, TimePoint now) const;

  std::vector<RateLimit> limits_;
  Millis longest_{0};
  std::deque<TimePoint> sent_;  // oldest first, pruned to the longest window
};

}  // namespace pw::notify
