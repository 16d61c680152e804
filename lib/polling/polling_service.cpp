#include "polling/polling_service.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "common/duration.h"
#include "common/log.h"
#include "polling/alert_record.h"
#include "store/open_store.h"

#include <spdlog/spdlog.h>
#include <boost/algorithm/string/replace.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

namespace pw {
namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> logger(std::string_view name) { return subsystemLogger(name); }

}  // namespace

SchedulerConfig schedulerConfigFrom(const Config& config) {
  SchedulerConfig s;
  if (config.poll.schedule == "fixed") s.fixed_interval = config.poll.interval;
  s.backoff.base = config.poll.retry_after_failure;
  s.backoff.cap = std::max(config.poll.retry_max, config.poll.retry_after_failure);
  s.aggregators.clear();
  for (const auto& [name, l] : config.poll.aggregator_limits)
    s.aggregators[name] = {
        l.requests_per_second, l.daily_budget,
        NumberLimits{l.number_min_gap, l.number_max_per_day, std::chrono::hours(24)}};
  if (auto it = s.aggregators.find("17track"); it != s.aggregators.end())
    it->second.numbers_per_request = SeventeenTrackCodec::kMaxNumbersPerRequest;
  return s;
}

PollingService::PollingService(asio::io_context& io, Store& store, HttpClient& http,
                               const Clock& clock, AlertSink& alerts,
                               std::shared_ptr<const Config> config)
    : io_(io),
      store_(store),
      http_(http),
      clock_(clock),
      config_(config),
      alerts_(alerts, store, clock, counters_),
      pipeline_(io, store, alerts_, limiter_, config),
      scheduler_(clock, schedulerConfigFrom(*config), config->rules.detection,
                 std::random_device{}()),
      loop_(io, store, http, clock, pipeline_, scheduler_, counters_, limiter_, config),
      ticker_(io),
      job_wait_(io),
      started_at_(clock.now()) {}

PollingService::~PollingService() {
  if (check_thread_.joinable()) check_thread_.join();
}

void PollingService::reconfigure(std::shared_ptr<const Config> config) {
  auto old = config_;
  config_ = std::move(config);
  pipeline_.reconfigure(config_);
  loop_.reconfigure(config_);
  scheduler_.reconfigure(schedulerConfigFrom(*config_), config_->rules.detection);
  bool fixed = config_->poll.schedule == "fixed";
  if (fixed && (old->poll.schedule != "fixed" || config_->poll.interval < old->poll.interval))
    scheduler_.pullForward(clock_.now() + config_->poll.interval);
  loop_.kick();
}

Result<void> PollingService::start() {
  alerts_.replayPending();
  loop_.start();
  logger("poll")->info("SCHEDULER_STARTED schedule={} max_in_flight={}", config_->poll.schedule,
                       config_->poll.max_in_flight);
  armTicker();
  return {};
}

void PollingService::stop(std::chrono::milliseconds grace, std::function<void()> drained) {
  stopping_ = true;
  ticker_.cancel();
  // Then the results and writes still on the writer, whose alert lines are
  // written but not yet marked: a restart would write them again.
  loop_.stop(grace, [this, drained = std::move(drained)]() mutable {
    pipeline_.whenIdle(std::move(drained));
  });
}

bool PollingService::idle() const { return loop_.idle() && !job_.running && pipeline_.idle(); }

void PollingService::armTicker() {
  // A one-second tick bounds how late a due poll starts; the loop also
  // dispatches whenever a slot frees up.
  ticker_.expires_after(std::chrono::seconds(1));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    tick();
    armTicker();
  });
}

void PollingService::tick() {
  alerts_.retry();
  limiter_.flush(*logger("poll"));
  alerts_.flushJournal();
  summarize();
  heartbeat();
  loop_.tick();
}

void PollingService::heartbeat() {
  auto* queue = store_.sharedQueue();
  if (!queue) return;
  auto now = std::chrono::steady_clock::now();
  if (heartbeats_ > 0 && now - last_heartbeat_ < kHeartbeatEvery) return;
  last_heartbeat_ = now;
  // The first beat after a start records the start, for `nodes`.
  auto r =
      queue->heartbeat(config_->store.node, clock_.now(),
                       heartbeats_ == 0 ? std::optional<Timestamp>(started_at_) : std::nullopt);
  if (!r) {
    limiter_.log(*logger("cluster"), spdlog::level::err, "HEARTBEAT_FAILED",
                 fmt::format("HEARTBEAT_FAILED node={} error=\"{}\"", config_->store.node,
                             r.error().message));
    return;
  }
  ++heartbeats_;
}

Result<std::vector<NodeInfo>> PollingService::nodes() {
  auto* queue = store_.sharedQueue();
  if (!queue)
    return makeError(ErrorCode::invalid_input,
                     "nodes: this daemon keeps parcels in SQLite (store.backend = \"sqlite\"); "
                     "only a shared PostgreSQL database has nodes");
  return queue->liveNodes(clock_.now(), kNodeLiveWithin);
}

// One line a minute instead of one per poll: at 100,000 parcels an hour a
// line per poll would be most of journald's default budget.
void PollingService::summarize() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_summary_ < std::chrono::minutes(1)) return;
  last_summary_ = now;
  const auto& c = counters_;
  const auto& was = summarized_;
  if (c.pollsTotal() == was.pollsTotal() && c.pushes == was.pushes) return;
  logger("poll")->info(
      "POLL_SUMMARY window=1m polls={} ok={} no_result={} failed={} pushes={} tasks_raised={} "
      "scheduled={} in_flight={}",
      c.pollsTotal() - was.pollsTotal(), c.pollsOk() - was.pollsOk(),
      c.pollsNoResult() - was.pollsNoResult(), c.pollsFailed() - was.pollsFailed(),
      c.pushes - was.pushes, c.tasks_raised - was.tasks_raised, scheduler_.size(),
      loop_.inFlight());
  summarized_ = counters_;
}

void PollingService::acceptPush(std::string_view source, const std::string& trackingNumber,
                                CarrierSnapshot snapshot, PushDone done) {
  // The parcel is found by the commit, on the writer's connection: a read
  // on the loop's connection for every push was an eighth of the loop.
  Timestamp now = clock_.now();
  // The events move into the commit (copying a whole history was a tenth
  // of the loop); the plan keeps its view of them.
  ParcelView answer;
  describeTimeline(answer, snapshot.events);
  bool invalid = snapshot.invalid_number;
  // A push is the subscription working: from now on polls are a safety net.
  auto plan = [this, answer = std::move(answer), invalid,
               now](const PollOutcome& out) -> std::optional<Timestamp> {
    if (!out.parcel) return std::nullopt;
    const Parcel& parcel = *out.parcel;
    ParcelView view = viewAfter(answer, parcel, out, loop_.aggregatorOf(parcel), invalid);
    view.last_push_at = now;
    view.push_confirmed = true;
    scheduler_.update(view);
    scheduler_.markPushConfirmed(parcel.tracking_number);
    auto p = scheduler_.planOf(parcel.tracking_number);
    return p ? std::optional<Timestamp>(p->due) : std::nullopt;
  };
  // On a shared queue the safety-net poll is planned into the database with
  // the push; the parcel stays in this node's scheduler only while it holds
  // its lease. No node's lease is ended by a push (node left empty).
  bool shared = loop_.leases() != nullptr;
  std::optional<CommitPlan> commitPlan;
  if (shared) commitPlan = CommitPlan{"", plan};
  pipeline_.applyPush(trackingNumber, source, std::move(snapshot), now, std::move(commitPlan),
                      [this, trackingNumber, source = std::string(source), plan, shared,
                       done = std::move(done)](Result<PollOutcome> outcome) {
                        if (!outcome && outcome.error().code == ErrorCode::not_found)
                          return done(makeError(ErrorCode::not_found,
                                                "no parcel " + trackingNumber + " is tracked"));
                        ++counters_.pushes;  // for a tracked parcel, committed or not
                        ++counters_.pushes_by_source[source];
                        if (shared) {
                          const auto* leases = loop_.leases();
                          if (leases && !leases->holdsNumber(trackingNumber))
                            scheduler_.remove(trackingNumber);
                        } else if (outcome) {
                          plan(*outcome);
                        }
                        done(std::move(outcome));
                      });
}

Result<std::size_t> PollingService::claim(const std::string& trackingNumber,
                                          const std::string& note) {
  auto parcel = store_.findParcel(trackingNumber);
  if (!parcel) return parcel.error();
  if (!*parcel)
    return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  Timestamp now = clock_.now();
  if (auto r = store_.addClaim((*parcel)->id, note, now); !r) return r.error();
  logger("detect")->warn("BUYER_CLAIM parcel={} buyer={} note=\"{}\"", trackingNumber,
                         (*parcel)->buyer_id.value_or("-"), note);
  int count = 0;
  if ((*parcel)->buyer_id) {
    auto n = store_.buyerClaims(*(*parcel)->buyer_id, now - config_->rules.remedy.claim_window);
    if (n) count = *n;
  }
  // false_signed (and its task) follows the claim at once, from what is
  // stored; the carrier is asked again as soon as its rules allow.
  if (auto r = pipeline_.reassess(**parcel, now); !r) return r.error();
  loop_.rerun({**parcel});
  return static_cast<std::size_t>(count);
}

Result<ParcelDetails> PollingService::parcel(const std::string& trackingNumber) {
  auto p = store_.findParcel(trackingNumber);
  if (!p) return p.error();
  if (!*p) return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  ParcelDetails d;
  d.parcel = **p;
  auto timeline = store_.timeline(d.parcel.id);
  if (!timeline) return timeline.error();
  d.timeline = std::move(*timeline);
  auto exceptions = store_.exceptions(d.parcel.id);
  if (!exceptions) return exceptions.error();
  d.exceptions = std::move(*exceptions);
  TaskFilter f;
  f.state.reset();
  f.tracking_number = trackingNumber;
  auto tasks = store_.tasks(f);
  if (!tasks) return tasks.error();
  d.tasks = std::move(*tasks);
  return d;
}

Result<NotificationTask> PollingService::setTaskState(std::int64_t taskId, TaskState state,
                                                      const std::string& outcome) {
  Timestamp now = clock_.now();
  auto task = store_.setTaskState(taskId, state, outcome, now);
  if (!task) return task.error();
  logger("detect")->info("TASK_UPDATED task={} parcel={} state={} outcome=\"{}\"", taskId,
                         task->tracking_number, toString(state), outcome);
  alerts_.emit(taskUpdatedRecord(*task, outcome, now));
  return task;
}

Result<void> PollingService::untrack(const std::string& trackingNumber) {
  auto p = store_.findParcel(trackingNumber);
  if (!p) return p.error();
  if (!*p) return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  loop_.forget(**p);
  if (auto r = store_.removeParcel((*p)->id); !r) return r.error();
  logger("poll")->info("PARCEL_UNTRACKED parcel={}", trackingNumber);
  return {};
}

Result<void> PollingService::correctCarrier(const std::string& trackingNumber,
                                            const std::string& carrier) {
  auto parcel = store_.findParcel(trackingNumber);
  if (!parcel) return parcel.error();
  if (!*parcel)
    return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  if ((*parcel)->carrier == carrier) return {};
  logger("poll")->warn("CARRIER_CORRECTED parcel={} from={} to={}", trackingNumber,
                       (*parcel)->carrier, carrier);
  return store_.updateCarrier((*parcel)->id, carrier);
}

void PollingService::subscribe(const Parcel& parcel) {
  if (!config_->kuaidi100_enabled || config_->kuaidi100.callback_url.empty()) return;
  Kuaidi100Codec codec(config_->kuaidi100);
  auto log = logger("poll");
  std::string tn = parcel.tracking_number;
  http_.send(codec.buildSubscription(parcel), [log, tn](Result<HttpResponse> r) {
    // 200 subscribed; 501 already subscribed. Polling goes on either way
    // (as a safety net once pushes arrive).
    std::string body = r ? r->body : r.error().message;
    bool ok =
        r && r->status == 200 &&
        (body.find("\"200\"") != std::string::npos || body.find("\"501\"") != std::string::npos);
    if (ok)
      log->info("SUBSCRIBED carrier=kuaidi100 parcel={}", tn);
    else
      log->warn("SUBSCRIBE_FAILED carrier=kuaidi100 parcel={} answer=\"{}\"", tn,
                body.substr(0, 200));
  });
}

Result<StatusReport> PollingService::status() {
  StatusReport r;
  r.backend = std::string(store_.backend());
  if (store_.sharedQueue()) {
    r.node = config_->store.node;
    if (const auto* leases = loop_.leases()) r.leases_held = leases->held();
  }
  r.uptime = clock_.now() - started_at_;
  auto counts = store_.counts();
  if (!counts) return counts.error();
  r.counts = std::move(*counts);
  r.scheduler = scheduler_.stats();
  r.scheduled = r.scheduler.tracked;
  r.in_flight = loop_.inFlight();
  r.due_now = r.scheduler.due_now;
  r.schedule_loading = loop_.loading();
  r.counters = counters_;
  r.job = job_;
  r.job_name = job_kind_ == JobKind::rerun ? "rerun" : "reassess";
  r.check = check_;
  r.commit_transactions = pipeline_.transactions();
  r.results_committed = pipeline_.committed();
  return r;
}

std::vector<TrackResult> PollingService::track(const std::vector<Parcel>& parcels) {
  std::vector<TrackResult> out;
  Timestamp now = clock_.now();
  for (const auto& p : parcels) {
    TrackResult r;
    r.tracking_number = p.tracking_number;
    auto added = store_.addParcel(p, now);
    if (!added) {
      r.error = added.error().message;
    } else {
      r.ok = true;
      r.inserted = added->inserted;
      if (added->inserted) {
        logger("poll")->info("PARCEL_TRACKED parcel={} carrier={}", p.tracking_number, p.carrier);
        Parcel stored = p;
        stored.id = added->id;
        // On a shared queue the new row is due at once for whichever node claims it.
        if (!stopping_ && !loop_.leases())
          scheduler_.update(makeParcelView(stored, {}, loop_.aggregatorOf(stored)));
        subscribe(stored);
      }
    }
    out.push_back(std::move(r));
  }
  loop_.claimSoon();
  loop_.kick();
  return out;
}

Result<std::vector<Parcel>> PollingService::named(const RerunSelection& selection) {
  std::vector<Parcel> out;
  for (const auto& tn : selection.tracking_numbers) {
    auto p = store_.findParcel(tn);
    if (!p) return p.error();
    if (!*p) return makeError(ErrorCode::not_found, "no parcel " + tn + " is tracked");
    out.push_back(std::move(**p));
  }
  return out;
}

Result<RerunReport> PollingService::rerun(const RerunSelection& selection) {
  if (stopping_) return makeError(ErrorCode::conflict, "shutting down");
  auto parcels = named(selection);
  if (!parcels) return parcels.error();
  RerunReport report = loop_.rerun(*parcels);
  if (selection.kind || selection.all) {
    if (auto r = startJob(JobKind::rerun, selection); !r) return r.error();
    report.background = job_.total;
  }
  logger("poll")->info("RERUN_QUEUED parcels={} deferred={} background={}", report.queued,
                       report.deferred, report.background);
  return report;
}

Result<ReassessReport> PollingService::reassess(const RerunSelection& selection) {
  if (stopping_) return makeError(ErrorCode::conflict, "shutting down");
  auto parcels = named(selection);
  if (!parcels) return parcels.error();
  ReassessReport report;
  Timestamp now = clock_.now();
  for (const auto& p : *parcels) {
    auto outcome = pipeline_.reassess(p, now);
    if (!outcome) return outcome.error();
    ++report.parcels;
    report.raised += outcome->raised.size();
    report.resolved += outcome->resolved.size();
  }
  if (report.parcels > 0)
    logger("detect")->info("REASSESSED parcels={} raised={} resolved={}", report.parcels,
                           report.raised, report.resolved);
  if (selection.kind || selection.all) {
    if (auto r = startJob(JobKind::reassess, selection); !r) return r.error();
    report.background = job_.total;
  }
  return report;
}

Result<JobProgress> PollingService::check() {
  if (check_.running) return check_;
  if (check_thread_.joinable()) check_thread_.join();
  check_ = JobProgress{true, 0, 1, clock_.now(), std::nullopt, ""};
  logger("store")->info("CHECK_STARTED file={}", describeStore(*config_));
  // Its own connection on its own thread: quick_check reads the whole file
  // (seconds at a million parcels) and must not hold up the event loop.
  check_thread_ = std::thread([this, config = config_] {
    std::string result;
    // Each page is read once: the default 64 MiB of cache would only add to the
    // daemon's memory while it holds a million parcels (a check can run under load).
    StoreOptions options;
    options.cache_mib = 4;
    options.checkpoint_every = std::chrono::milliseconds(0);
    if (auto store = openStore(*config, options)) {
      auto r = (*store)->quickCheck();
      result = r ? *r : "error: " + r.error().message;
    } else {
      result = "error: " + store.error().message;
    }
    asio::post(io_, [this, result = std::move(result)] { finishCheck(result); });
  });
  return check_;
}

void PollingService::finishCheck(std::string result) {
  check_.running = false;
  check_.done = 1;
  check_.finished_at = clock_.now();
  check_.result = std::move(result);
  auto took = formatDuration(
      std::chrono::floor<std::chrono::seconds>(*check_.finished_at - *check_.started_at));
  if (check_.result == "ok") {
    logger("store")->info("CHECK_DONE result=ok took={}", took);
  } else {
    // One log line however many the check reported (quick_check's problems, rows whose parent
    // is gone): the log is read line by line.
    logger("store")->error("CHECK_FAILED result=\"{}\" took={}",
                           boost::algorithm::replace_all_copy(check_.result, "\n", "; "), took);
  }
}

Result<std::vector<ExceptionRecord>> PollingService::exceptions(const ExceptionFilter& filter) {
  return store_.listExceptions(filter);
}

Result<std::vector<NotificationTask>> PollingService::tasks(const TaskFilter& filter) {
  return store_.tasks(filter);
}

}  // namespace pw
