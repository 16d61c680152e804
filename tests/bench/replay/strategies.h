#pragma once
// The two ways of polling, replayed over the same population on a simulated
// clock: today's fixed hourly polling, and the adaptive Scheduler with pushes.
#include "polling/scheduler_config.h"
#include "replay/observer.h"
#include "replay/rule_checker.h"

#include <cstdint>
#include <string>

namespace pw::replay {

struct WorldSettings {
  Timestamp end;  // the run stops here
  DetectionPolicy policy;
  /// The aggregators' rules, enforced by the adaptive scheduler and checked
  /// for both strategies.
  SchedulerConfig rules;
  double transient_failure = 0.02;  // timeouts, 5xx
  double rate_limited = 0.005;      // 429 with Retry-After
  Seconds retry_after = std::chrono::seconds(60);
  /// Kuaidi100 answers nothing but errors for this long.
  Timestamp outage_from, outage_to;
  double push_loss = 0.05;
  Seconds push_latency_max = std::chrono::minutes(10);
  std::uint64_t seed = 7;
};

struct RunResult {
  std::string name;
  std::int64_t queries = 0;
  std::int64_t failed_queries = 0;
  std::int64_t pushes = 0;
  std::map<ExceptionKind, KindDelays> kinds;
  Violations violations;
  std::int64_t peak_kuaidi100_24h = 0;
  int breaker_opened = 0;
  /// Queries by "reason stage", for tuning (printed with PW_REPLAY_DETAIL=1).
  std::map<std::string, std::int64_t> by_reason;
};

RunResult runFixedHourly(const std::vector<SimParcel>& parcels,
                         const std::vector<std::vector<Episode>>& truth, const WorldSettings& w);
RunResult runAdaptive(const std::string& name, const std::vector<SimParcel>& parcels,
                      const std::vector<std::vector<Episode>>& truth, const WorldSettings& w,
                      const SchedulerConfig& config, bool usePushes = true);

}  // namespace pw::replay
