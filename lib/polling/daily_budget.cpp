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

void DailyBudget::record(Timestamp at) {
  if (limit_ <= 0) return;
  sent_.push_back(at);
  while (!sent_.empty() && sent_.front() <= at - kDay) sent_.pop_front();
}

void DailyBudget::reconfigure(std::int64_t limit, double reserve) {
  limit_ = limit;
  reserve_ = std::clamp(reserve, 0.0, 1.0);
}

std::int64_t DailyBudget::usedWithin24h(Timestamp now) const {
  auto first = std::upper_bound(sent_.begin(), sent_.end(), now - kDay);
  return static_cast<std::int64_t>(sent_.end() - first);
}

}  // namespace pw
