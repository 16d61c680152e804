#include "polling/poll_loop.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "common/duration.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace pw {
namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> logger(std::string_view name) { return subsystemLogger(name); }

// A page of parcels loaded into the schedule per turn of the loop: a few
// milliseconds of work, so the control socket and the watchdog stay prompt.
constexpr int kLoadPage = 2000;

FailureKind failureOf(const Result<HttpResponse>& response) {
  if (response && response->status == 429) return FailureKind::rate_limited;
  return FailureKind::transient;
}

}  // namespace

PollLoop::PollLoop(asio::io_context& io, Store& store, HttpClient& http, const Clock& clock,
                   ResultPipeline& pipeline, Scheduler& scheduler, PollCounters& counters,
                   LogLimiter& limiter, std::shared_ptr<const Config> config)
    : io_(io),
      store_(store),
      http_(http),
      clock_(clock),
      pipeline_(pipeline),
      scheduler_(scheduler),
      counters_(counters),
      limiter_(limiter),
      config_(std::move(config)),
      drain_timer_(io) {
  buildRegistry();
  if (auto* queue = store_.sharedQueue()) {
    leases_.emplace(*queue, store_, scheduler_, clock_);
    leases_->configure(leaseSettings());
  }
}

LeaseSettings PollLoop::leaseSettings() const {
  LeaseSettings s;
  s.node = config_->store.node;
  s.lease = config_->store.lease;
  // One gap for every claim: the strictest enabled aggregator's (Kuaidi100's
  // 30 minutes). The others have none or a shorter one, and no adaptive plan
  // polls a number that often anyway.
  for (const auto& [name, limits] : config_->poll.aggregator_limits)
    if (registry_.codecNamed(name)) s.min_gap = std::max(s.min_gap, limits.number_min_gap);
  return s;
}

void PollLoop::buildRegistry() {
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

void PollLoop::reconfigure(std::shared_ptr<const Config> config) {
  config_ = std::move(config);
  buildRegistry();
  if (leases_) leases_->configure(leaseSettings());
  kick();
}

std::string PollLoop::aggregatorOf(const Parcel& parcel) const {
  auto codec = registry_.codecFor(parcel);
  return codec ? std::string(codec->name()) : std::string();
}

void PollLoop::limitedLog(std::string_view subsystem, spdlog::level::level_enum level,
                          const std::string& key, const std::string& line) {
  limiter_.log(*logger(subsystem), level, key, line);
}

void PollLoop::start() {
  if (leases_) {
    // The queue is the database's: nothing to load, due parcels are claimed.
    logger("poll")->info("SHARED_QUEUE node={} lease={} min_gap={}", leases_->settings().node,
                         formatDuration(leases_->settings().lease),
                         formatDuration(leases_->settings().min_gap));
    dispatch();
    return;
  }
  loading_ = true;
  loadPage(0, 0, clock_.now());
}

void PollLoop::loadPage(std::int64_t afterId, std::size_t loaded, Timestamp startedAt) {
  if (stopping_) return;
  auto page = store_.activeParcels(afterId, kLoadPage);
  if (!page) {
    logger("store")->error("STORE_READ_FAILED what=active_parcels error={}", page.error().message);
    loading_ = false;
    return;
  }
  for (const auto& a : *page) {
    ParcelView v = makeParcelView(a.parcel, {}, aggregatorOf(a.parcel));
    v.stage = a.parcel.stage;
    v.last_polled_at = a.last_polled_at;
    scheduler_.update(v);
  }
  loaded += page->size();
  if (page->size() == static_cast<std::size_t>(kLoadPage)) {
    std::int64_t last = page->back().parcel.id;
    asio::post(io_, [this, last, loaded, startedAt] { loadPage(last, loaded, startedAt); });
    dispatch();  // the first pages' due parcels need not wait for the last
    return;
  }
  loading_ = false;
  logger("poll")->info(
      "SCHEDULE_LOADED parcels={} took={} max_in_flight={}", loaded,
      formatDuration(std::chrono::floor<std::chrono::seconds>(clock_.now() - startedAt)),
      config_->poll.max_in_flight);
  dispatch();
}

void PollLoop::stop(std::chrono::milliseconds grace, std::function<void()> drained) {
  stopping_ = true;
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

void PollLoop::maybeDrained() {
  if (!stopping_ || !in_flight_.empty() || !drained_) return;
  // What this node claimed and will not poll is due again now, for the others.
  if (leases_) leases_->releaseAll();
  drain_timer_.cancel();
  auto cb = std::move(drained_);
  drained_ = nullptr;
  asio::post(io_, std::move(cb));
}

bool PollLoop::idle() const {
  if (loading_ || !in_flight_.empty()) return false;
  if (leases_) return leases_->held() == 0;
  auto next = scheduler_.nextDue();
  return !next || *next > clock_.now();
}

void PollLoop::kick() {
  if (kicked_) return;
  kicked_ = true;
  asio::post(io_, [this] {
    kicked_ = false;
    dispatch();
  });
}

void PollLoop::dispatch() {
  if (stopping_) return;
  auto maxInFlight = static_cast<std::size_t>(config_->poll.max_in_flight);
  // A client that holds requests beyond its bound (the daemon's, at
  // max_in_flight) starts the next on its own thread the moment an answer
  // comes in; handing it as many again early keeps every slot busy while
  // the answer makes its way here and the next dispatch back. Not on a
  // shared queue: what a node claims, the other nodes cannot send.
  if (std::size_t open = http_.maxOpen(); !leases_ && open > 0 && open <= maxInFlight)
    maxInFlight += open;
  if (requests_in_flight_ >= maxInFlight || committing_ >= maxCommitting()) return;
  std::size_t slots = maxInFlight - requests_in_flight_;
  if (leases_) claimDue(slots);
  // A batching aggregator (17TRACK: 40 numbers a request) fills a request
  // before it takes another slot.
  std::map<std::string, std::size_t> room;
  std::size_t roomLeft = 0;  // in all the batches opened
  auto batchOf = [&](const std::string& aggregator) -> std::size_t {
    auto codec = registry_.codecNamed(aggregator);
    return codec ? codec->maxBatch() : 1;
  };
  auto accept = [&](const DuePoll& d) {
    std::size_t batch = batchOf(d.aggregator);
    if (batch > 1) {
      if (auto& r = room[d.aggregator]; r > 0) {
        --r;
        --roomLeft;
        return true;
      }
    }
    if (slots == 0) return false;
    --slots;
    if (batch > 1) {
      room[d.aggregator] = batch - 1;
      roomLeft += batch - 1;
    }
    return true;
  };
  auto picked = scheduler_.pickDue(std::max<std::size_t>(64, 8 * slots), accept,
                                   [&] { return slots == 0 && roomLeft == 0; });
  // On a shared queue: what the rules hold back goes back to the queue, and
  // what goes now is marked queried before it is sent.
  if (leases_) {
    leases_->releaseDeferred(Seconds(5));
    leases_->sending(picked);
  }
  if (picked.empty()) return;
  // The rows in one read of the store, not one a parcel.
  std::vector<std::string> numbers;
  numbers.reserve(picked.size());
  for (const auto& d : picked) numbers.push_back(d.tracking_number);
  auto rows = store_.findParcels(numbers);
  std::map<std::shared_ptr<const CarrierCodec>, std::vector<Parcel>> batches;
  for (std::size_t i = 0; i < picked.size(); ++i) {
    const auto& d = picked[i];
    auto* parcel = rows ? &(*rows)[i] : nullptr;
    if (!parcel || !*parcel) {
      if (parcel) {
        scheduler_.remove(d.tracking_number);  // untracked meanwhile
      } else {
        limitedLog("store", spdlog::level::err, "PARCEL_LOAD_FAILED",
                   fmt::format("PARCEL_LOAD_FAILED parcel={} error={}", d.tracking_number,
                               rows.error().message));
        scheduler_.recordFailure(d.aggregator, d.tracking_number, {FailureKind::number, {}});
      }
      continue;
    }
    auto codec = registry_.codecFor(**parcel);
    if (!codec) {
      limitedLog("poll", spdlog::level::err, "NO_CARRIER carrier=" + (*parcel)->carrier,
                 fmt::format("NO_CARRIER parcel={} carrier={}: no enabled aggregator serves it",
                             d.tracking_number, (*parcel)->carrier));
      scheduler_.recordFailure(d.aggregator, d.tracking_number, {FailureKind::number, {}});
      continue;
    }
    if (codec->maxBatch() > 1) {
      auto& batch = batches[codec];
      batch.push_back(std::move(**parcel));
      if (batch.size() == codec->maxBatch()) startBatch(std::exchange(batch, {}), codec);
      continue;
    }
    startPoll(std::make_shared<const Parcel>(std::move(**parcel)), codec);
  }
  for (auto& [codec, batch] : batches)
    if (!batch.empty()) startBatch(std::move(batch), codec);
}

void PollLoop::claimDue(std::size_t slots) {
  if (claim_idle_ || stopping_) return;
  // Parcels in hand and not yet sent take slots first.
  std::size_t waiting = leases_->held() - std::min(leases_->held(), in_flight_.size());
  if (slots <= waiting) return;
  std::size_t want = slots - waiting;
  std::size_t got = leases_->claim(want, [this](const Parcel& p) { return aggregatorOf(p); });
  if (got < want) claim_idle_ = true;
}

void PollLoop::startPoll(std::shared_ptr<const Parcel> parcel,
                         const std::shared_ptr<const CarrierCodec>& codec) {
  in_flight_.insert(parcel->id);
  ++requests_in_flight_;
  // The request's slot is freed once its answer arrived (onResponse). The
  // answer is decoded where it arrived, on the HTTP client's thread: it
  // depends on the answer alone, and the loop gets it ready in one hand-off.
  auto query = codec->buildQuery(*parcel);
  auto decoded = std::make_shared<std::optional<Result<CarrierSnapshot>>>();
  http_.send(
      std::move(query),
      [decoded, codec](const Result<HttpResponse>& r) {
        decoded->emplace(r ? codec->parseQuery(*r) : Result<CarrierSnapshot>(r.error()));
      },
      [this, parcel = std::move(parcel), codec, decoded](Result<HttpResponse> r) {
        onResponse(parcel, codec, std::move(r), std::move(**decoded));
      });
}

void PollLoop::startBatch(std::vector<Parcel> batch,
                          const std::shared_ptr<const CarrierCodec>& codec) {
  Batch byNumber;
  for (const auto& p : batch) {
    in_flight_.insert(p.id);
    byNumber[p.tracking_number] = std::make_shared<const Parcel>(p);
  }
  ++requests_in_flight_;
  auto decoded = std::make_shared<std::optional<Result<CarrierCodec::BatchResults>>>();
  http_.send(
      codec->buildBatch(batch),
      [decoded, codec](const Result<HttpResponse>& r) {
        decoded->emplace(r ? codec->parseBatch(*r) : Result<CarrierCodec::BatchResults>(r.error()));
      },
      [this, byNumber = std::move(byNumber), codec, decoded](Result<HttpResponse> r) {
        onBatchResponse(byNumber, codec, std::move(r), std::move(**decoded));
      });
}

void PollLoop::observeLatency(std::string_view carrier, const Result<HttpResponse>& response) {
  if (!response) return;
  counters_.last_latency = response->elapsed;
  counters_.latency[std::string(carrier)].observe(
      std::chrono::duration<double>(response->elapsed).count());
}

void PollLoop::onResponse(const std::shared_ptr<const Parcel>& parcel,
                          const std::shared_ptr<const CarrierCodec>& codec,
                          Result<HttpResponse> response, Result<CarrierSnapshot> snap) {
  // The carrier answered: its slot is free for the next query, which need
  // not wait for this commit.
  --requests_in_flight_;
  if (!in_flight_.count(parcel->id)) return;  // abandoned by a drain
  observeLatency(codec->name(), response);
  kick();
  settle(*parcel, codec, response, std::move(snap));
}

void PollLoop::onBatchResponse(const Batch& byNumber,
                               const std::shared_ptr<const CarrierCodec>& codec,
                               Result<HttpResponse> response,
                               Result<CarrierCodec::BatchResults> batch) {
  --requests_in_flight_;
  observeLatency(codec->name(), response);
  kick();
  settleBatch(byNumber, codec, response, std::move(batch));
}

void PollLoop::settleBatch(const Batch& byNumber, const std::shared_ptr<const CarrierCodec>& codec,
                           const Result<HttpResponse>& response,
                           Result<CarrierCodec::BatchResults> batch) {
  std::map<std::string, Result<CarrierSnapshot>> answers;
  if (batch)
    for (auto& [number, snap] : *batch) answers.emplace(number, std::move(snap));
  for (const auto& [number, parcel] : byNumber) {
    if (!in_flight_.count(parcel->id)) continue;  // abandoned by a drain
    if (!batch) {
      settle(*parcel, codec, response, Result<CarrierSnapshot>(batch.error()));
    } else if (auto it = answers.find(number); it != answers.end()) {
      settle(*parcel, codec, response, std::move(it->second));
    } else {
      settle(
          *parcel, codec, response,
          Result<CarrierSnapshot>(makeError(
              ErrorCode::carrier, std::string(codec->name()) + " answer does not list " + number)));
    }
  }
}

void PollLoop::settle(const Parcel& parcel, const std::shared_ptr<const CarrierCodec>& codec,
                      const Result<HttpResponse>& response, Result<CarrierSnapshot> snap) {
  // The parcel as it was when the query went out: the commit reads its row
  // again (and finds none if it was untracked meanwhile), so the loop reads
  // nothing here.
  ++committing_;
  settleParcel(parcel, *codec, response, std::move(snap),
               [this, parcelId = parcel.id, number = parcel.tracking_number,
                carrier = std::string(codec->name())](std::string_view outcome) {
                 if (!outcome.empty()) ++counters_.polls[{carrier, std::string(outcome)}];
                 --committing_;
                 finishPoll(parcelId, number);
               });
}

void PollLoop::settleParcel(const Parcel& parcel, const CarrierCodec& codec,
                            const Result<HttpResponse>& response, Result<CarrierSnapshot> snap,
                            Finish finish) {
  auto log = logger("poll");
  Timestamp now = clock_.now();
  std::string carrier(codec.name());
  const std::string& tn = parcel.tracking_number;
  std::optional<Seconds> retryAfter = response ? response->retry_after : std::nullopt;

  bool noResult = false;
  if (!snap && snap.error().code == ErrorCode::no_result) {
    // Normal for a fresh number; detection still runs so a parcel nobody
    // picked up (or a number that never existed) is noticed.
    log->debug("POLL_NO_RESULT carrier={} parcel={}", carrier, tn);
    snap = CarrierSnapshot{};
    noResult = true;
  } else if (!snap && snap.error().code == ErrorCode::not_registered) {
    if (auto reg = codec.buildRegistration(parcel)) {
      log->info("REGISTERING carrier={} parcel={}", carrier, tn);
      http_.send(std::move(*reg), [log, tn, carrier](Result<HttpResponse> r) {
        if (!r || r->status != 200)
          log->warn("REGISTER_FAILED carrier={} parcel={} error=\"{}\"", carrier, tn,
                    r ? "HTTP " + std::to_string(r->status) : r.error().message);
      });
    }
    scheduler_.recordFailure(carrier, tn, {FailureKind::number, retryAfter});
    if (leases_) leases_->failed(parcel.id, "not registered", true);
    return finish("not_registered");
  } else if (!snap) {
    std::string http = response ? std::to_string(response->status) : "-";
    bool wasClosed = scheduler_.breakerState(carrier) == BreakerState::closed;
    scheduler_.recordFailure(carrier, tn, {failureOf(response), retryAfter});
    if (wasClosed && scheduler_.breakerState(carrier) != BreakerState::closed)
      log->error(
          "BREAKER_OPEN carrier={}: a run of failed queries (last: http={} \"{}\"); its "
          "parcels wait, one probe at a time, until it answers again",
          carrier, http, snap.error().message);
    auto plan = scheduler_.planOf(tn);
    std::string retryIn =
        plan ? formatDuration(std::chrono::floor<std::chrono::seconds>(plan->due - now)) : "-";
    limitedLog("poll", spdlog::level::warn, "POLL_FAILED carrier=" + carrier + " http=" + http,
               fmt::format("POLL_FAILED carrier={} parcel={} http={} retry_in={} error=\"{}\"",
                           carrier, tn, http, retryIn, snap.error().message));
    if (leases_)
      leases_->failed(parcel.id, snap.error().message, true);
    else if (auto r = store_.recordPollFailure(parcel.id, now, snap.error().message); !r)
      limitedLog("store", spdlog::level::err, "STORE_WRITE_FAILED",
                 fmt::format("STORE_WRITE_FAILED parcel={} error={}", tn, r.error().message));
    return finish(!response                 ? "transport_error"
                  : response->status == 429 ? "rate_limited"
                  : response->status != 200 ? "http_error"
                                            : "bad_answer");
  }
  bool wasOpen = scheduler_.breakerState(carrier) != BreakerState::closed;
  scheduler_.recordSuccess(carrier, tn);
  if (wasOpen && scheduler_.breakerState(carrier) == BreakerState::closed)
    log->warn("BREAKER_CLOSED carrier={}: answering again, polling resumes", carrier);
  // The next poll is planned from what the answer settled; on a shared queue
  // it is committed with the result, which ends this node's lease. The plan
  // runs when the result commits, a turn of the loop later (group commit).
  // The answer's events move into the commit; the plan keeps its view of them.
  ParcelView answer;
  describeTimeline(answer, snap->events);
  bool invalid = snap->invalid_number;
  auto plan = [this, parcel, answer = std::move(answer), now, carrier, noResult,
               invalid](const PollOutcome& out) -> std::optional<Timestamp> {
    ParcelView v = viewAfter(answer, parcel, out, carrier, noResult || invalid);
    v.last_polled_at = now;
    scheduler_.update(v);
    auto p = scheduler_.planOf(parcel.tracking_number);
    return p ? std::optional<Timestamp>(p->due) : std::nullopt;
  };
  std::optional<CommitPlan> shared;
  if (leases_) shared = CommitPlan{leases_->settings().node, plan};
  pipeline_.apply(parcel, carrier, std::move(*snap), now, noResult, std::move(shared),
                  [this, parcel, plan, carrier, noResult, invalid,
                   finish = std::move(finish)](Result<PollOutcome> outcome) {
                    const std::string& tn = parcel.tracking_number;
                    if (!outcome && outcome.error().code == ErrorCode::not_found) {
                      // Untracked while the query was out: nothing to keep, nothing to count.
                      return finish("");
                    }
                    if (!outcome) {
                      // Not the carrier's fault: this parcel waits, the aggregator does not.
                      scheduler_.recordFailure(carrier, tn, {FailureKind::number, {}});
                      if (leases_) leases_->settle(parcel.id);
                      return finish("store_error");
                    }
                    if (leases_)
                      leases_->committed(parcel.id);
                    else
                      plan(*outcome);
                    if (isFinal(outcome->stage))
                      logger("poll")->info("PARCEL_FINAL parcel={} stage={}: no longer polled", tn,
                                           toString(outcome->stage));
                    if (noResult) return finish("no_result");
                    finish(invalid ? "unknown_number" : "ok");
                  });
}

void PollLoop::finishPoll(std::int64_t parcelId, const std::string& trackingNumber) {
  in_flight_.erase(parcelId);
  if (leases_) leases_->settle(parcelId);  // a poll that ended neither way
  if (!trackingNumber.empty() && rerun_after_flight_.erase(trackingNumber) && !stopping_)
    scheduler_.rerun(trackingNumber);
  maybeDrained();
  kick();
}

RerunReport PollLoop::rerun(const std::vector<Parcel>& parcels) {
  RerunReport report;
  if (leases_) {
    // The queue is the database's: the parcels become due now, for whichever
    // node claims them first; the claim keeps the per-number gap.
    Timestamp now = clock_.now();
    for (const auto& p : parcels) {
      if (auto r = store_.setNextPoll(p.id, now); r)
        ++report.queued;
      else
        ++report.reasons["store_error"];
    }
    claimSoon();
    kick();
    return report;
  }
  for (const auto& p : parcels) {
    if (!scheduler_.planOf(p.tracking_number)) {
      // Not in the schedule (final, or not loaded yet after a start): it is
      // polled once more as the rules allow, and a final one leaves again.
      ParcelView v = makeParcelView(p, {}, aggregatorOf(p));
      v.stage = isFinal(p.stage) ? ParcelStage::in_transit : p.stage;
      scheduler_.update(v);
    }
    if (in_flight_.count(p.id)) {
      rerun_after_flight_.insert(p.tracking_number);
      ++report.queued;
      continue;
    }
    Admit a = scheduler_.rerun(p.tracking_number);
    if (a.ok) {
      ++report.queued;
      continue;
    }
    ++report.deferred;
    ++report.reasons[std::string(toString(a.reason))];
    if (!report.deferred_until || a.deferred_until > *report.deferred_until)
      report.deferred_until = a.deferred_until;
  }
  kick();
  return report;
}

void PollLoop::forget(const Parcel& parcel) {
  if (leases_) leases_->committed(parcel.id);  // gone with its row
  scheduler_.remove(parcel.tracking_number);
  rerun_after_flight_.erase(parcel.tracking_number);
}

}  // namespace pw
