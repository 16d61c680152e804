#pragma once
// Decides which parcel is queried when, and keeps every query inside the
// aggregators' rules. Pure: no I/O, no timers; the time comes from the
// injected Clock and the randomness from a seed, so the poll loop, the tests
// and the replay benchmark drive the same code.
//
// The poll loop: update() each parcel whenever something is learnt of it
// (registered, answered, pushed); pickDue() when the timer fires (nextDue());
// send what it returns; recordSuccess()/recordFailure() with the outcome, then
// update() with what the answer taught. rerun() for operators.
//
// Every query that pickDue() hands out has passed, in this order: the
// aggregator's circuit breaker, the parcel's backoff, the per-number quota
// (Kuaidi100: 30 min apart, 48 in 24 h), the aggregator's daily budget (with
// a reserve only at-risk polls may use) and its requests-per-second rate.
#include "detection/detection_policy.h"
#include "polling/circuit_breaker.h"
#include "polling/daily_budget.h"
#include "polling/jitter.h"
#include "polling/number_quota.h"
#include "polling/parcel_view.h"
#include "polling/poll_plan.h"
#include "polling/rate_limiter.h"
#include "polling/scheduler_config.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pw {

/// Why a query cannot go now.
enum class DeferReason {
  none,
  not_tracked,   // unknown number, or its parcel is final
  breaker_open,  // the aggregator failed repeatedly
  backoff,       // this number failed recently
  min_gap,       // per-number gap (Kuaidi100: 30 min, which also keeps it to 48 in 24 h)
  budget,        // the aggregator's daily budget (for this priority)
  rate,          // the aggregator's requests per second
};
std::string_view toString(DeferReason r);

struct Admit {
  bool ok = false;
  Timestamp deferred_until{};  // when not ok: the earliest time it may go
  DeferReason reason = DeferReason::none;
};

/// How a query failed, as far as scheduling cares.
enum class FailureKind {
  transient,     // timeout, transport error, 5xx, bad answer: counts against the aggregator
  rate_limited,  // 429: counts against the aggregator, and pauses it for Retry-After
  number,        // about this number only (no result, not registered)
};

struct QueryFailure {
  FailureKind kind = FailureKind::transient;
  std::optional<Seconds> retry_after;
};

struct DuePoll {
  std::string tracking_number;
  std::string aggregator;
  PollReason reason;
  PollPriority priority;
};

struct AggregatorStats {
  std::string aggregator;
  BreakerState breaker = BreakerState::closed;
  int breaker_opened = 0;
  std::int64_t queries_24h = 0;
  std::int64_t daily_budget = 0;  // 0: unlimited
};

/// stats() counts due parcels up to this many.
inline constexpr std::size_t kDueCountLimit = 10000;

struct SchedulerStats {
  std::size_t tracked = 0;
  std::size_t due_now = 0;  // at most kDueCountLimit
  std::size_t in_flight = 0;
  std::map<DeferReason, std::int64_t> deferred;  // deferrals since start, by reason
  std::vector<AggregatorStats> aggregators;
};

class Scheduler {
 public:
  Scheduler(const Clock& clock, SchedulerConfig config, DetectionPolicy policy, std::uint64_t seed);
  // Entries point into aggregators_: a copy would point into the original's.
  // A move keeps the map's nodes, and so the pointers.
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  Scheduler(Scheduler&&) = default;
  Scheduler& operator=(Scheduler&&) = default;

  /// Adds or refreshes a parcel from what is known of it now and plans its
  /// next poll; a final stage removes it. A parcel whose query is in flight
  /// keeps waiting for the answer. Call it after every answer and push.
  void update(const ParcelView& view);
  /// A push arrived for the number: its subscription works, so it is polled
  /// only as a safety net from now on.
  void markPushConfirmed(std::string_view trackingNumber);
  void remove(std::string_view trackingNumber);
  /// Due at once whatever its plan said (a shared queue handed it to this
  /// node); the rules are still checked when it is picked.
  void dueNow(std::string_view trackingNumber);
  /// Whether the number's query is out.
  bool inFlight(std::string_view trackingNumber) const;

  /// Whether a query for the number could be sent now (nothing is recorded).
  Admit admit(std::string_view trackingNumber) const;
  /// An operator's rerun: due now when the rules allow, else at the earliest
  /// time they do (the answer says which rule and until when). A short wait
  /// for the rate limit still counts as now.
  Admit rerun(std::string_view trackingNumber);

  /// Up to `max` parcels to query now, most at risk first, each admitted and
  /// counted as sent. Parcels held back move to the time they may go.
  std::vector<DuePoll> pickDue(std::size_t max);
  /// As pickDue(max), with the caller deciding per parcel whether it can send
  /// it now (free request slots, a batch with room): a parcel it refuses stays
  /// due, uncounted. At most `examine` due parcels are looked at, so one call
  /// costs the same with ten or a million parcels due. Once `full` says the
  /// caller can take no more, nothing further is looked at.
  using Accept = std::function<bool(const DuePoll&)>;
  using Full = std::function<bool()>;
  std::vector<DuePoll> pickDue(std::size_t examine, const Accept& accept, const Full& full = {});
  /// The earliest due time, for the poll loop's timer.
  std::optional<Timestamp> nextDue() const;

  /// The query was answered; update() with what it taught plans the next one.
  void recordSuccess(std::string_view aggregator, std::string_view trackingNumber);
  void recordFailure(std::string_view aggregator, std::string_view trackingNumber,
                     const QueryFailure& failure);

  std::optional<PollPlan> planOf(std::string_view trackingNumber) const;
  BreakerState breakerState(std::string_view aggregator) const;
  SchedulerStats stats() const;
  /// New limits apply at once; new cadences and thresholds from each
  /// parcel's next answer (plans already made are kept).
  void reconfigure(SchedulerConfig config, DetectionPolicy policy);
  /// Due sooner than `latest`: pulls later plans forward (a shorter fixed
  /// interval after a reload).
  void pullForward(Timestamp latest);
  /// Parcels tracked (for the status line).
  std::size_t size() const { return entries_.size(); }

 private:
  // What is kept of a parcel between answers: small, because a daemon keeps
  // one per active parcel (a million of them on one box). The view itself is
  // only needed while planning, when the caller hands it in.
  struct Entry {
    /// The key of its aggregators_ entry (a std::map's keys stay put, and
    /// none is erased): a million copies of "kuaidi100" cost 23 MiB.
    const std::string* aggregator = nullptr;
    PollPlan plan;
    NumberQuota quota;
    int failures = 0;
    bool in_flight = false;
    bool push_confirmed = false;
    std::optional<Timestamp> backoff_until;
    std::optional<Timestamp> rerun_at;  // an operator's rerun, when the rules allow it
    /// The earliest threshold crossing no answer came after: from then on the
    /// next answer may raise an exception, so the poll is at risk.
    std::optional<Timestamp> risk_at;
    std::optional<Timestamp> last_polled_at;
    std::optional<Timestamp> last_push_at;
  };
  struct AggregatorState {
    RateLimiter rate;
    DailyBudget budget;
    CircuitBreaker breaker;
  };

  void schedule(const std::string& number, Entry& e, PollPlan plan);
  void unschedule(const std::string& number, const Entry& e);
  AggregatorState& aggregator(std::string_view name);
  /// The aggregator's name as aggregators_ keeps it (added if new).
  const std::string& aggregatorName(std::string_view name);
  const AggregatorState* findAggregator(std::string_view name) const;
  Admit check(const Entry& e, PollPriority priority, Timestamp now) const;

  const Clock& clock_;
  SchedulerConfig config_;
  DetectionPolicy policy_;
  mutable Jitter jitter_;
  std::map<std::string, Entry, std::less<>> entries_;
  // What is scheduled, by priority (PollPriority's order), each in time
  // order: the most urgent due parcel is found without looking at the rest.
  static constexpr std::size_t kPriorities = 4;
  std::array<std::set<std::pair<Timestamp, std::string>>, kPriorities> due_;
  // How many are scheduled at each due time, whatever their priority: the
  // due count walks distinct times (a few during a round of parcels
  // registered together) instead of every due parcel, on every `status`.
  std::map<Timestamp, std::size_t> due_at_;
  std::size_t in_flight_ = 0;
  std::map<std::string, AggregatorState, std::less<>> aggregators_;
  std::map<DeferReason, std::int64_t> deferred_;
};

}  // namespace pw
