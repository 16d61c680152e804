#include "replay/rule_checker.h"

#include <algorithm>
#include <cmath>

namespace pw::replay {

void RuleChecker::query(const std::string& aggregator, const std::string& number, Timestamp at) {
  const AggregatorLimits& l = rules_.limitsFor(aggregator);
  auto& sent = numbers_[number];
  if (l.per_number.min_gap > Seconds(0) && !sent.empty() && at - sent.back() < l.per_number.min_gap)
    ++v_.min_gap;
  sent.push_back(at);
  while (sent.front() <= at - l.per_number.window) sent.pop_front();
  if (l.per_number.max_per_window > 0 &&
      static_cast<int>(sent.size()) > l.per_number.max_per_window)
    ++v_.number_24h;

  auto& a = aggregators_[aggregator];
  if (a.second != at) {
    a.second = at;
    a.in_second = 0;
  }
  ++a.in_second;
  if (l.requests_per_second > 0 &&
      static_cast<double>(a.in_second) > std::ceil(l.requests_per_second))
    ++v_.rate;
  a.day.push_back(at);
  while (a.day.front() <= at - std::chrono::hours(24)) a.day.pop_front();
  auto used = static_cast<std::int64_t>(a.day.size());
  a.peak = std::max(a.peak, used);
  if (l.daily_budget > 0 && used > l.daily_budget) ++v_.budget;
}

std::int64_t RuleChecker::peak24h(const std::string& aggregator) const {
  auto it = aggregators_.find(aggregator);
  return it == aggregators_.end() ? 0 : it->second.peak;
}

}  // namespace pw::replay
