#pragma once
// Counts every query that broke an aggregator's rules, independently of the
// scheduler's own bookkeeping: per number (Kuaidi100: 30 min apart, 48 in
// 24 h), per aggregator requests in one second and queries in a rolling 24 h.
#include "polling/scheduler_config.h"

#include <deque>
#include <map>
#include <string>

namespace pw::replay {

struct Violations {
  std::int64_t min_gap = 0;
  std::int64_t number_24h = 0;
  std::int64_t rate = 0;
  std::int64_t budget = 0;
  std::int64_t total() const { return min_gap + number_24h + rate + budget; }
};

class RuleChecker {
 public:
  explicit RuleChecker(const SchedulerConfig& rules) : rules_(rules) {}
  void query(const std::string& aggregator, const std::string& number, Timestamp at);
  const Violations& violations() const { return v_; }
  /// The most queries an aggregator got in any rolling 24 h.
  std::int64_t peak24h(const std::string& aggregator) const;

 private:
  struct PerAggregator {
    Timestamp second{};
    std::int64_t in_second = 0;
    std::deque<Timestamp> day;
    std::int64_t peak = 0;
  };
  SchedulerConfig rules_;
  std::map<std::string, std::deque<Timestamp>> numbers_;
  std::map<std::string, PerAggregator> aggregators_;
  Violations v_;
};

}  // namespace pw::replay
