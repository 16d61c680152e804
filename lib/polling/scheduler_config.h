#pragma once
// Everything the Scheduler can be tuned with, as one plain value. The
// configuration loader does not read it yet; the defaults are the ones the
// replay benchmark (tests/bench/schedule_replay.cpp) was measured with.
#include "common/clock.h"
#include "polling/backoff.h"
#include "polling/circuit_breaker.h"
#include "polling/number_quota.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pw {

/// What one aggregator allows: the account's rate and paid daily plan, and
/// what it allows per tracking number.
struct AggregatorLimits {
  double requests_per_second = 10;  // 0: unlimited
  std::int64_t daily_budget = 0;    // queries per rolling 24 h; 0: unlimited
  NumberLimits per_number;
  /// Numbers one request carries (17TRACK: 40); the rate limit counts
  /// requests, so each number takes this fraction of a request's slot.
  std::size_t numbers_per_request = 1;
};

/// Once the newest event is `after` old, poll every `every`.
struct CadenceStep {
  Seconds after{0};
  Seconds every{0};
};
/// Steps in increasing `after`; the first must start at 0.
using Cadence = std::vector<CadenceStep>;

/// How often a parcel is polled, by where it is. Event-driven exceptions
/// (failed attempts, proxy signatures, misroutes, problem scans) arrive with
/// the next scan, so polls are dense when a scan is likely and sparse when it
/// is not; time-driven ones (stalled, overdue) are aimed at separately.
struct CadenceSettings {
  /// A pickup is news but no exception; not_picked_up is aimed at.
  Cadence awaiting_pickup = {{Seconds(0), std::chrono::hours(4)}};
  Cadence no_result = {{Seconds(0), std::chrono::hours(6)}};
  /// Not yet in the destination city, counted from the newest scan: hops
  /// between hubs are hours apart, then a trunk leg of 20-40 h passes in
  /// silence; its end is watched again, and a stalled parcel (50 h) less.
  Cadence in_transit = {{Seconds(0), std::chrono::hours(2)},
                        {std::chrono::hours(8), std::chrono::hours(5)},
                        {std::chrono::hours(18), std::chrono::hours(2)},
                        {std::chrono::hours(50), std::chrono::hours(4)}};
  /// Scanned in the destination city, not yet at the delivering branch: where
  /// problem scans and wrong-branch sorting show up.
  Cadence in_destination_city = {{Seconds(0), std::chrono::minutes(45)},
                                 {std::chrono::hours(12), std::chrono::hours(2)},
                                 {std::chrono::hours(50), std::chrono::hours(4)}};
  /// At the delivering branch: dense during delivery rounds (see
  /// DeliveryRounds), this sparse outside them.
  Cadence at_delivery_station = {{Seconds(0), std::chrono::hours(3)}};
  Cadence out_for_delivery = {{Seconds(0), std::chrono::minutes(40)}};
  /// A failed attempt, or a refusal with no return scan yet.
  Cadence failed_attempt = {{Seconds(0), std::chrono::minutes(40)}};
  /// At a locker or station: collection closes it; after two days an
  /// uncollected parcel may be sent back, so it is watched again.
  Cadence awaiting_collection = {{Seconds(0), std::chrono::hours(8)},
                                 {std::chrono::hours(44), std::chrono::minutes(50)}};
  Cadence returning = {{Seconds(0), std::chrono::hours(8)}};
};

/// Delivering branches send couriers out in rounds (早班, 午班), in the
/// destination's local time: a parcel waiting at the branch is polled every
/// `every` inside a round and as its cadence says outside.
struct DeliveryRounds {
  Seconds utc_offset = std::chrono::hours(8);
  /// [from, to) as time of day.
  std::vector<std::pair<Seconds, Seconds>> windows = {
      {std::chrono::hours(7), std::chrono::hours(12)},
      {std::chrono::hours(13), std::chrono::hours(17)}};
  Seconds every = std::chrono::minutes(50);
};

/// For push-subscribed parcels: how long without a push or answer before a
/// safety-net poll, by stage (a push is overdue when the stage normally
/// changes sooner).
struct PushOverdueSettings {
  Seconds awaiting_pickup = std::chrono::hours(12);
  Seconds in_transit = std::chrono::hours(12);
  Seconds at_delivery_station = std::chrono::hours(6);
  Seconds out_for_delivery = std::chrono::hours(2);
  Seconds failed_attempt = std::chrono::hours(2);
  Seconds awaiting_collection = std::chrono::hours(24);
  Seconds returning = std::chrono::hours(24);
};

struct SchedulerConfig {
  std::map<std::string, AggregatorLimits, std::less<>> aggregators = {
      {"kuaidi100", {10, 0, {std::chrono::minutes(30), 48, std::chrono::hours(24)}}},
  };
  /// For aggregators not named above.
  AggregatorLimits default_limits;
  /// Fraction of the daily budget kept back from the lowest priority (it
  /// shrinks linearly to nothing for at_risk polls).
  double budget_reserve = 0.3;

  CadenceSettings cadence;
  DeliveryRounds delivery_rounds;
  PushOverdueSettings push_overdue;
  /// Intervals are scaled by a random factor in [1 - jitter, 1 + jitter].
  double interval_jitter = 0.15;
  /// New parcels get their first poll somewhere in this long. The daemon
  /// answers a new parcel at once (max_in_flight and the rate limit pace a
  /// burst; the cadences' jitter breaks lockstep after the first answer); the
  /// replay benchmark spreads registrations over the day by itself.
  Seconds first_poll_spread{0};
  /// A threshold crossing is checked this long after it, plus up to `aim_spread`.
  Seconds aim_delay = std::chrono::minutes(1);
  Seconds aim_spread = std::chrono::minutes(4);
  /// A parcel picked for polling whose answer never comes is due again after this.
  Seconds answer_timeout = std::chrono::minutes(10);
  /// Above zero: every parcel is polled this long after its last answer
  /// (poll.schedule = "fixed"), the rules above only add threshold aims;
  /// zero: the adaptive cadences.
  Seconds fixed_interval{0};

  BackoffSettings backoff;
  BreakerSettings breaker;

  const AggregatorLimits& limitsFor(std::string_view aggregator) const {
    auto it = aggregators.find(aggregator);
    return it == aggregators.end() ? default_limits : it->second;
  }
};

}  // namespace pw
