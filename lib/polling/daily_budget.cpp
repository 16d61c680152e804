#include "polling/daily_budget.h"

#include <algorithm>
#include <cmath>

namespace pw {

namespace {
constexpr Seconds kDay = std::chrono::hours(24);
}

DailyBudget::DailyBudget(std::int64_t limit, double reserve)
    : limit_(limit), reserve_(std::clamp(reserve, 0.0, 1.0)) {}

std::int64_t DailyBudget::capFor(PollPriority priority) const {
  constexpr int top = static_cast<int>(PollPriority::at_risk);
  double kept = reserve_ * static_cast<double>(top - static_cast<int>(priority)) / top;
  return static_cast<std::int64_t>(std::floor(static_cast<double>(limit_) * (1.0 - kept)));
}

Timestamp DailyBudget::earliest(PollPriority priority, Timestamp now) const {
  if (limit_ <= 0) return now;
  std::int64_t cap = capFor(priority);
  if (cap <= 0) return Timestamp::max();
  // Queries sent in (now - 24h, now]; the oldest drop out first.
  auto first = std::upper_bound(sent_.begin(), sent_.end(), now - kDay);
  auto used = static_cast<std::int64_t>(sent_.end() - first);
  if (used < cap) return now;
  return *(first + (used - cap)) + kDay;
}

namespace {
std::int64_t hourOf(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::hours>(t.time_since_epoch()).count();
}
}  // namespace

void DailyBudget::record(Timestamp at) {
  std::int64_t hour = hourOf(at);
  auto slot = static_cast<std::size_t>(((hour % 24) + 24) % 24);
  if (hour_of_[slot] != hour) {
    hour_of_[slot] = hour;
    hourly_[slot] = 0;
  }
  ++hourly_[slot];
  if (limit_ <= 0) return;
  sent_.push_back(at);
  while (!sent_.empty() && sent_.front() <= at - kDay) sent_.pop_front();
}

void DailyBudget::reconfigure(std::int64_t limit, double reserve) {
  limit_ = limit;
  reserve_ = std::clamp(reserve, 0.0, 1.0);
}

std::int64_t DailyBudget::usedWithin24h(Timestamp now) const {
  if (limit_ <= 0) {
    std::int64_t hour = hourOf(now), n = 0;
    for (std::size_t i = 0; i < hourly_.size(); ++i)
      if (hour_of_[i] > hour - 24 && hour_of_[i] <= hour) n += hourly_[i];
    return n;
  }
  auto first = std::upper_bound(sent_.begin(), sent_.end(), now - kDay);
  return static_cast<std::int64_t>(sent_.end() - first);
}

}  // namespace pw
