#include "polling/polling_service.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "carriers/tracking_number.h"
#include "common/duration.h"
#include "common/log.h"
#include "polling/alert_record.h"
#include "remedies/assessor.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/post.hpp>

namespace pw {
namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> logger(std::string_view name) { return subsystemLogger(name); }

}  // namespace

PollingService::PollingService(asio::io_context& io, Store& store, HttpClient& http,
                               const Clock& clock, AlertSink& alerts,
                               std::shared_ptr<const Config> config)
    : io_(io),
      store_(store),
      http_(http),
      clock_(clock),
      alerts_(alerts),
      config_(std::move(config)),
      ticker_(io),
      drain_timer_(io),
      started_at_(clock.now()) {
  buildRegistry();
}

void PollingService::buildRegistry() {
  registry_ = CarrierRegistry();
  if (config_->kuaidi100_enabled)
    registry_.add(std::make_shared<Kuaidi100Codec>(config_->kuaidi100));
  if (config_->kuaidiniao_enabled)
    registry_.add(std::make_shared<KuaidiniaoCodec>(config_->kuaidiniao));
  if (config_->seventeen_track_enabled)
    registry_.add(std::make_shared<SeventeenTrackCodec>(config_->seventeen_track));
  registry_.setDefault(config_->default_aggregator);
  registry_.setCrossBorder(config_->cross_border_aggregator);
}

void PollingService::reconfigure(std::shared_ptr<const Config> config) {
  Seconds oldInterval = config_->poll.interval;
  config_ = std::move(config);
  buildRegistry();
  if (config_->poll.interval < oldInterval) {
    Timestamp latest = clock_.now() + config_->poll.interval;
    std::vector<std::int64_t> later;
    for (auto it = due_.upper_bound(latest); it != due_.end(); ++it) later.push_back(it->second);
    for (auto id : later) schedule(id, latest);
  }
  asio::post(io_, [this] { dispatch(); });
}

PollingService::~PollingService() = default;

Result<void> PollingService::start() {
  auto targets = store_.pollTargets();
  if (!targets) return targets.error();
  Timestamp now = clock_.now();
  for (const auto& t : *targets) {
    Timestamp due = t.last_polled_at ? *t.last_polled_at + config_->poll.interval : now;
    schedule(t.parcel_id, due);
  }
  logger("poll")->info("SCHEDULER_STARTED parcels={} interval={} max_in_flight={}", targets->size(),
                       formatDuration(config_->poll.interval), config_->poll.max_in_flight);
  emitPendingAlerts();
  armTicker();
  asio::post(io_, [this] { dispatch(); });
  return {};
}

void PollingService::stop(std::chrono::milliseconds grace, std::function<void()> drained) {
  stopping_ = true;
  ticker_.cancel();
  drained_ = std::move(drained);
  if (in_flight_.empty()) return maybeDrained();
  logger("poll")->info("DRAINING in_flight={} grace={}ms", in_flight_.size(), grace.count());
  drain_timer_.expires_after(grace);
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    logger("poll")->warn("DRAIN_ABANDONED in_flight={}", in_flight_.size());
    http_.cancelAll();
    in_flight_.clear();
    maybeDrained();
  });
}

void PollingService::maybeDrained() {
  if (!stopping_ || !in_flight_.empty() || !drained_) return;
  drain_timer_.cancel();
  auto cb = std::move(drained_);
  drained_ = nullptr;
  asio::post(io_, std::move(cb));
}

bool PollingService::idle() const {
  return in_flight_.empty() && (due_.empty() || due_.begin()->first > clock_.now());
}

void PollingService::schedule(std::int64_t parcelId, Timestamp due) {
  unschedule(parcelId);
  due_.emplace(due, parcelId);
  due_of_[parcelId] = due;
}

void PollingService::unschedule(std::int64_t parcelId) {
  auto it = due_of_.find(parcelId);
  if (it == due_of_.end()) return;
  auto [b, e] = due_.equal_range(it->second);
  for (auto d = b; d != e; ++d) {
    if (d->second == parcelId) {
      due_.erase(d);
      break;
    }
  }
  due_of_.erase(it);
}

void PollingService::armTicker() {
  // A one-second tick keeps the scheduler simple and bounds how late a due
  // poll starts; dispatch() is also called whenever a slot frees up.
  ticker_.expires_after(std::chrono::seconds(1));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    tick();
    armTicker();
  });
}

void PollingService::tick() {
  if (alert_backlog_) retryAlerts();
  limiter_.flush(*logger("poll"));
  summarize();
  dispatch();
}

void PollingService::limitedLog(std::string_view subsystem, spdlog::level::level_enum level,
                                const std::string& key, const std::string& line) {
  limiter_.log(*logger(subsystem), level, key, line);
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
      c.pushes - was.pushes, c.tasks_raised - was.tasks_raised, due_.size(), in_flight_.size());
  summarized_ = counters_;
}

void PollingService::dispatch() {
  if (stopping_) return;
  Timestamp now = clock_.now();
  while (!due_.empty() &&
         requests_in_flight_ < static_cast<std::size_t>(config_->poll.max_in_flight)) {
    auto it = due_.begin();
    if (it->first > now) break;
    std::int64_t id = it->second;
    due_.erase(it);
    due_of_.erase(id);
    startPoll(id);
  }
}

void PollingService::startPoll(std::int64_t parcelId) {
  auto parcel = store_.parcel(parcelId);
  if (!parcel) {
    limitedLog(
        "store", spdlog::level::err, "PARCEL_LOAD_FAILED",
        fmt::format("PARCEL_LOAD_FAILED parcel_id={} error={}", parcelId, parcel.error().message));
    schedule(parcelId, clock_.now() + config_->poll.retry_after_failure);
    return;
  }
  auto codec = registry_.codecFor(*parcel);
  if (!codec) {
    limitedLog("poll", spdlog::level::err, "NO_CARRIER carrier=" + parcel->carrier,
               fmt::format("NO_CARRIER parcel={} carrier={}: no enabled aggregator serves it",
                           parcel->tracking_number, parcel->carrier));
    schedule(parcelId, clock_.now() + config_->poll.interval);
    return;
  }
  if (codec->maxBatch() > 1) return startBatch(std::move(*parcel), codec);
  in_flight_.insert(parcelId);
  ++requests_in_flight_;
  http_.send(codec->buildQuery(*parcel), [this, parcelId, codec](Result<HttpResponse> r) {
    --requests_in_flight_;
    onResponse(parcelId, codec, std::move(r));
  });
}

// Aggregators that take many numbers a request (17TRACK: 40) get the due
// parcels they serve together: one request, one slot of max_in_flight.
void PollingService::startBatch(Parcel first, const std::shared_ptr<const CarrierCodec>& codec) {
  std::vector<Parcel> batch{std::move(first)};
  Timestamp now = clock_.now();
  // Look a little past the batch size: parcels of other aggregators are
  // interleaved in the schedule, and are left where they are.
  std::size_t looked = 0;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now &&
                               batch.size() < codec->maxBatch() && looked < 4 * codec->maxBatch();
       ++looked) {
    std::int64_t id = it->second;
    auto p = store_.parcel(id);
    if (!p || registry_.codecFor(*p) != codec) {
      ++it;
      continue;
    }
    it = due_.erase(it);
    due_of_.erase(id);
    batch.push_back(std::move(*p));
  }
  std::map<std::string, std::int64_t> idOf;
  for (const auto& p : batch) {
    in_flight_.insert(p.id);
    idOf[p.tracking_number] = p.id;
  }
  ++requests_in_flight_;
  http_.send(codec->buildBatch(batch),
             [this, idOf = std::move(idOf), codec](Result<HttpResponse> r) {
               --requests_in_flight_;
               onBatchResponse(idOf, codec, std::move(r));
             });
}

void PollingService::observeLatency(std::string_view carrier,
                                    const Result<HttpResponse>& response) {
  if (!response) return;
  counters_.last_latency = response->elapsed;
  counters_.latency[std::string(carrier)].observe(
      std::chrono::duration<double>(response->elapsed).count());
}

void PollingService::onResponse(std::int64_t parcelId,
                                const std::shared_ptr<const CarrierCodec>& codec,
                                Result<HttpResponse> response) {
  if (!in_flight_.count(parcelId)) return;  // abandoned by a drain
  observeLatency(codec->name(), response);
  Result<CarrierSnapshot> snap =
      response ? codec->parseQuery(*response) : Result<CarrierSnapshot>(response.error());
  settle(parcelId, codec, response, std::move(snap));
}

void PollingService::onBatchResponse(const std::map<std::string, std::int64_t>& idOf,
                                     const std::shared_ptr<const CarrierCodec>& codec,
                                     Result<HttpResponse> response) {
  observeLatency(codec->name(), response);
  auto batch = response ? codec->parseBatch(*response)
                        : Result<CarrierCodec::BatchResults>(response.error());
  std::map<std::string, Result<CarrierSnapshot>> byNumber;
  if (batch)
    for (auto& [number, snap] : *batch) byNumber.emplace(number, std::move(snap));
  for (const auto& [number, id] : idOf) {
    if (!in_flight_.count(id)) continue;  // abandoned by a drain
    if (!batch) {
      settle(id, codec, response, Result<CarrierSnapshot>(batch.error()));
    } else if (auto it = byNumber.find(number); it != byNumber.end()) {
      settle(id, codec, response, std::move(it->second));
    } else {
      settle(
          id, codec, response,
          Result<CarrierSnapshot>(makeError(
              ErrorCode::carrier, std::string(codec->name()) + " answer does not list " + number)));
    }
  }
}

void PollingService::settle(std::int64_t parcelId, const std::shared_ptr<const CarrierCodec>& codec,
                            const Result<HttpResponse>& response, Result<CarrierSnapshot> snap) {
  auto parcel = store_.parcel(parcelId);
  if (parcel || parcel.error().code != ErrorCode::not_found) {  // not untracked meanwhile
    auto outcome = settleParcel(parcelId, parcel, *codec, response, std::move(snap));
    ++counters_.polls[{std::string(codec->name()), std::string(outcome)}];
  }
  finishPoll(parcelId);
}

std::string_view PollingService::settleParcel(std::int64_t parcelId, const Result<Parcel>& parcel,
                                              const CarrierCodec& codec,
                                              const Result<HttpResponse>& response,
                                              Result<CarrierSnapshot> snap) {
  auto log = logger("poll");
  Timestamp now = clock_.now();
  std::string carrier(codec.name());
  std::string tn = parcel ? parcel->tracking_number : std::to_string(parcelId);
  Seconds retryIn = config_->poll.retry_after_failure;
  if (response && response->retry_after && *response->retry_after > retryIn)
    retryIn = *response->retry_after;

  bool noResult = false;
  if (!snap && snap.error().code == ErrorCode::no_result) {
    // Normal for a fresh number; detection still runs so a parcel nobody
    // picked up is noticed.
    log->debug("POLL_NO_RESULT carrier={} parcel={}", carrier, tn);
    snap = CarrierSnapshot{};
    noResult = true;
  } else if (!snap && snap.error().code == ErrorCode::not_registered && parcel) {
    if (auto reg = codec.buildRegistration(*parcel)) {
      log->info("REGISTERING carrier={} parcel={}", carrier, tn);
      http_.send(std::move(*reg), [log, tn, carrier](Result<HttpResponse> r) {
        if (!r || r->status != 200)
          log->warn("REGISTER_FAILED carrier={} parcel={} error=\"{}\"", carrier, tn,
                    r ? "HTTP " + std::to_string(r->status) : r.error().message);
      });
    }
    schedule(parcelId, now + retryIn);
    return "not_registered";
  } else if (!snap) {
    std::string http = response ? std::to_string(response->status) : "-";
    limitedLog("poll", spdlog::level::warn, "POLL_FAILED carrier=" + carrier + " http=" + http,
               fmt::format("POLL_FAILED carrier={} parcel={} http={} retry_in={} error=\"{}\"",
                           carrier, tn, http, formatDuration(retryIn), snap.error().message));
    if (auto r = store_.recordPollFailure(parcelId, now, snap.error().message); !r)
      limitedLog("store", spdlog::level::err, "STORE_WRITE_FAILED",
                 fmt::format("STORE_WRITE_FAILED parcel={} error={}", tn, r.error().message));
    schedule(parcelId, now + retryIn);
    return !response                 ? "transport_error"
           : response->status == 429 ? "rate_limited"
           : response->status != 200 ? "http_error"
                                     : "bad_answer";
  }
  // A good answer that cannot be stored is a store_error, not ok.
  if (!parcel) {
    logger("store")->error("PARCEL_LOAD_FAILED parcel_id={} error={}", parcelId,
                           parcel.error().message);
    schedule(parcelId, now + retryIn);
    return "store_error";
  }
  if (!applySnapshot(parcelId, *parcel, carrier, *snap, now, noResult)) {
    schedule(parcelId, now + retryIn);
    return "store_error";
  }
  if (noResult) return "no_result";
  return snap->invalid_number ? "unknown_number" : "ok";
}

Result<PollOutcome> PollingService::applySnapshot(std::int64_t parcelId, const Parcel& parcel,
                                                  std::string_view source,
                                                  const CarrierSnapshot& snap, Timestamp now,
                                                  bool noResult) {
  auto log = logger("poll");
  const std::string& tn = parcel.tracking_number;
  for (const auto& w : snap.warnings)
    limitedLog("carrier", spdlog::level::warn, "EVENT_DROPPED carrier=" + std::string(source),
               fmt::format("EVENT_DROPPED carrier={} parcel={} reason=\"{}\"", source, tn, w));
  auto config = config_;
  AssessContext context;
  context.carrier_stage = snap.carrier_stage;
  context.facts.no_result = noResult;
  context.facts.invalid_number = snap.invalid_number;
  context.facts.number_format_ok =
      checkTrackingNumber(parcel.carrier, parcel.tracking_number).plausible;
  if (auto claimed = store_.hasClaim(parcelId)) context.buyer_claims_not_received = *claimed;
  if (parcel.buyer_id) {
    if (auto n = store_.buyerClaims(*parcel.buyer_id, now - config->rules.remedy.claim_window))
      context.buyer_claims = *n;
  }
  auto outcome = store_.commitPoll(parcelId, snap.events, snap.carrier_state, now,
                                   [&](const Parcel& p, const Timeline& timeline) {
                                     return assess(p, timeline, context, config->rules, now);
                                   });
  if (!outcome) {
    logger("store")->error("POLL_COMMIT_FAILED parcel={} error={}", tn, outcome.error().message);
    return outcome.error();
  }
  log->debug("POLL_OK carrier={} parcel={} events={} new={} rewritten={} stage={}", source, tn,
             snap.events.size(), outcome->new_events, outcome->rewritten, toString(outcome->stage));

  AlertMarks written;
  for (const auto& task : outcome->raised) {
    ++counters_.tasks_raised;
    ++counters_.tasks_raised_by_kind[std::string(toString(task.kind))];
    logger("detect")->warn("TASK_RAISED parcel={} kind={} remedy={} task={} detail=\"{}\"",
                           task.tracking_number, toString(task.kind),
                           toString(task.suggestion.remedy), task.id, task.detail);
    emitAlert(exceptionRaisedRecord(task, now));
    // A line is written only after every line kept before it: the task's
    // line on disk means its exception's is too.
    auto& marks = emitAlert(taskRaisedRecord(task, now)) ? written : awaiting_disk_;
    marks.tasks.push_back(task.id);
    marks.raised.push_back(task.exception_id);
  }
  for (const auto& u : outcome->updated) {
    logger("detect")->info("EXCEPTION_UPDATED parcel={} kind={} detail=\"{}\"", tn,
                           toString(u.kind), u.detail);
    emitAlert(exceptionUpdatedRecord(tn, parcel.carrier, u.exception_id, u.kind, u.detail, now));
  }
  for (std::size_t i = 0; i < outcome->resolved.size(); ++i) {
    auto kind = outcome->resolved[i];
    auto id = outcome->resolved_ids[i];
    ++counters_.exceptions_resolved_by_kind[std::string(toString(kind))];
    logger("detect")->info("EXCEPTION_RESOLVED parcel={} kind={}", tn, toString(kind));
    auto& marks = emitAlert(exceptionResolvedRecord(tn, parcel.carrier, id, kind, now))
                      ? written
                      : awaiting_disk_;
    marks.resolved.push_back(id);
  }
  for (const auto& c : outcome->closed_tasks)
    emitAlert(taskClosedRecord(tn, parcel.carrier, c.task_id, c.kind, now));
  if (!written.empty()) {
    if (auto r = store_.markAlerted(written, now); !r)
      logger("store")->error("STORE_WRITE_FAILED what=mark_alerted error={}", r.error().message);
  }
  if (isFinal(outcome->stage)) {
    unschedule(parcelId);
    log->info("PARCEL_FINAL parcel={} stage={}: no longer polled", tn, toString(outcome->stage));
  } else if (!stopping_) {
    schedule(parcelId, now + config_->poll.interval);
  }
  return outcome;
}

Result<PollOutcome> PollingService::acceptPush(std::string_view source,
                                               const std::string& trackingNumber,
                                               const CarrierSnapshot& snapshot) {
  auto parcel = store_.findParcel(trackingNumber);
  if (!parcel) return parcel.error();
  if (!*parcel)
    return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  ++counters_.pushes;
  ++counters_.pushes_by_source[std::string(source)];
  return applySnapshot((*parcel)->id, **parcel, source, snapshot, clock_.now());
}

Result<std::size_t> PollingService::claim(const std::string& trackingNumber,
                                          const std::string& note) {
  auto parcel = store_.findParcel(trackingNumber);
  if (!parcel) return parcel.error();
  if (!*parcel)
    return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  if (auto r = store_.addClaim((*parcel)->id, note, clock_.now()); !r) return r.error();
  logger("detect")->warn("BUYER_CLAIM parcel={} buyer={} note=\"{}\"", trackingNumber,
                         (*parcel)->buyer_id.value_or("-"), note);
  int count = 0;
  if ((*parcel)->buyer_id) {
    auto n =
        store_.buyerClaims(*(*parcel)->buyer_id, clock_.now() - config_->rules.remedy.claim_window);
    if (n) count = *n;
  }
  // Re-detect now so false_signed (and its task) follows the claim.
  RerunSelection one;
  one.tracking_numbers.push_back(trackingNumber);
  if (auto r = rerun(one); !r) return r.error();
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
  auto record = taskRaisedRecord(*task, now);
  record["event"] = "task_updated";
  record["outcome"] = outcome;
  record["state"] = toString(state);
  alerts_.emit(record);
  return task;
}

Result<void> PollingService::untrack(const std::string& trackingNumber) {
  auto p = store_.findParcel(trackingNumber);
  if (!p) return p.error();
  if (!*p) return makeError(ErrorCode::not_found, "no parcel " + trackingNumber + " is tracked");
  std::int64_t id = (*p)->id;
  unschedule(id);
  rerun_after_flight_.erase(id);
  if (auto r = store_.removeParcel(id); !r) return r.error();
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
    // 200 subscribed; 501 already subscribed. Polling goes on either way.
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

void PollingService::finishPoll(std::int64_t parcelId) {
  in_flight_.erase(parcelId);
  if (rerun_after_flight_.erase(parcelId) && !stopping_) schedule(parcelId, clock_.now());
  maybeDrained();
  asio::post(io_, [this] { dispatch(); });
}

bool PollingService::emitAlert(const boost::json::object& record) {
  if (alerts_.emit(record)) return true;
  if (!alert_backlog_) {
    ++counters_.alert_write_failures;
    logger("poll")->error("ALERT_WRITE_FAILED: kept in memory and retried every second");
  }
  alert_backlog_ = true;
  return false;
}

void PollingService::retryAlerts() {
  if (!alerts_.retry()) return;
  alert_backlog_ = false;
  logger("poll")->info("ALERTS_WRITTEN_LATE tasks={}", awaiting_disk_.tasks.size());
  if (!awaiting_disk_.empty()) {
    if (auto r = store_.markAlerted(awaiting_disk_, clock_.now()); !r)
      logger("store")->error("STORE_WRITE_FAILED what=mark_alerted error={}", r.error().message);
    awaiting_disk_.clear();
  }
}

// At start-up: raised and resolved lines a crash (or a full disk before it)
// left unwritten are written now, raises first, each in commit order.
void PollingService::emitPendingAlerts() {
  auto raises = store_.unalertedRaises();
  auto resolves = store_.unalertedResolves();
  if (!raises || !resolves) {
    logger("store")->error("STORE_READ_FAILED what=unalerted_lines error={}",
                           !raises ? raises.error().message : resolves.error().message);
    return;
  }
  Timestamp now = clock_.now();
  AlertMarks written;
  std::size_t lines = 0;
  for (const auto& r : *raises) {
    bool ok = true;
    if (r.exception_line) ok = emitAlert(exceptionRaisedRecord(r.task, now));
    if (r.task_line) ok = emitAlert(taskRaisedRecord(r.task, now));
    auto& marks = ok ? written : awaiting_disk_;
    marks.tasks.push_back(r.task.id);
    marks.raised.push_back(r.task.exception_id);
    lines += static_cast<std::size_t>(r.exception_line) + static_cast<std::size_t>(r.task_line);
  }
  for (const auto& r : *resolves) {
    bool ok = emitAlert(
        exceptionResolvedRecord(r.tracking_number, r.carrier, r.exception_id, r.kind, now));
    (ok ? written : awaiting_disk_).resolved.push_back(r.exception_id);
    ++lines;
  }
  if (lines > 0) logger("poll")->info("ALERTS_REPLAYED count={}", lines);
  if (!written.empty()) (void)store_.markAlerted(written, now);
}

Result<StatusReport> PollingService::status() {
  StatusReport r;
  r.uptime = clock_.now() - started_at_;
  auto counts = store_.counts();
  if (!counts) return counts.error();
  r.counts = std::move(*counts);
  r.scheduled = due_.size();
  r.in_flight = in_flight_.size();
  Timestamp now = clock_.now();
  for (auto it = due_.begin(); it != due_.end() && it->first <= now; ++it) ++r.due_now;
  r.counters = counters_;
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
        if (!stopping_) schedule(added->id, now);
        subscribe(p);
      }
    }
    out.push_back(std::move(r));
  }
  asio::post(io_, [this] { dispatch(); });
  return out;
}

Result<std::size_t> PollingService::rerun(const RerunSelection& selection) {
  if (stopping_) return makeError(ErrorCode::conflict, "shutting down");
  std::vector<std::int64_t> ids;
  for (const auto& tn : selection.tracking_numbers) {
    auto p = store_.findParcel(tn);
    if (!p) return p.error();
    if (!*p) return makeError(ErrorCode::not_found, "no parcel " + tn + " is tracked");
    ids.push_back((*p)->id);
  }
  if (selection.kind) {
    auto withKind = store_.parcelsWithOpen(*selection.kind);
    if (!withKind) return withKind.error();
    ids.insert(ids.end(), withKind->begin(), withKind->end());
  }
  if (selection.all) {
    auto targets = store_.pollTargets();
    if (!targets) return targets.error();
    for (const auto& t : *targets) ids.push_back(t.parcel_id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  Timestamp now = clock_.now();
  for (auto id : ids) {
    if (in_flight_.count(id))
      rerun_after_flight_.insert(id);
    else
      schedule(id, now);
  }
  logger("poll")->info("RERUN_QUEUED parcels={}", ids.size());
  asio::post(io_, [this] { dispatch(); });
  return ids.size();
}

Result<std::vector<ExceptionRecord>> PollingService::exceptions(const ExceptionFilter& filter) {
  return store_.listExceptions(filter);
}

Result<std::vector<NotificationTask>> PollingService::tasks(const TaskFilter& filter) {
  return store_.tasks(filter);
}

}  // namespace pw
