#include "notify/sink_delivery.h"

#include "common/log.h"
#include "notify/message_builder.h"
#include "notify/sink_policy.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>
#include <unordered_set>

namespace pw::notify {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
// libcurl's errors name the URL, and a robot's URL carries its credential
// (access_token, key, hook id): logs, the outbox and `outbox` get the origin only.
std::string redactUrl(std::string text, const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return text;
  std::string origin = url.substr(0, url.find('/', scheme + 3));
  std::string shown = origin + "/…";
  for (auto at = text.find(origin); at != std::string::npos;
       at = text.find(origin, at + shown.size())) {
    auto end = at + origin.size();
    while (end < text.size() && text[end] != ' ' && text[end] != ')' && text[end] != '"') ++end;
    text.replace(at, end - at, shown);
  }
  return text;
}

Answer classified(SinkType type, const Result<HttpResponse>& response, const std::string& url) {
  Answer a = classifyAnswer(type, response);
  a.reason = redactUrl(std::move(a.reason), url);
  return a;
}

// A failed outbox read is tried again this much later.
constexpr Millis kOutboxRetry = 1s;
// The outbox is read again at least this often even without wake(), so a
// missed wake (or a row another process wrote) waits at most this long.
constexpr Millis kSweep = 30s;
}  // namespace

class SinkDelivery::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpClient& http, OutboxReader& outbox, NotifySinkConfig config,
       const NotifyClock& clock, std::uint64_t seed)
      : io_(io),
        http_(http),
        outbox_(outbox),
        config_(std::move(config)),
        clock_(clock),
        policy_(config_, seed),
        timer_(io),
        log_(subsystemLogger("notify")) {
    stats_.sink = config_.name;
    stats_.type = config_.type;
  }

  void start() {
    stopped_ = false;
    need_read_ = true;
    pump();
  }

  void wake() {
    need_read_ = true;
    if (wake_posted_ || stopped_) return;
    wake_posted_ = true;
    asio::post(io_, [weak = weak_from_this()] {
      if (auto s = weak.lock()) {
        s->wake_posted_ = false;
        s->pump();
      }
    });
  }

  void rescan() {
    cursor_ = 0;
    wake();
  }

  void stop() {
    stopped_ = true;
    ++epoch_;
    timer_.cancel();
    // Answers may still arrive; they are ignored, so forget what was in flight.
    pending_.clear();
    busy_parcels_.clear();
    in_flight_ = 0;
    cursor_ = 0;
  }

  void sendTest(std::function<void(Answer)> done) {
    TimePoint now = clock_.now();
    AlertEvent e = testEvent(unixMillis(now));
    OutgoingMessage m = buildMessage(config_, std::span<const AlertEvent>(&e, 1), now);
    policy_.recordSend(now);
    ++stats_.messages;
    http_.send(std::move(m.request),
               [weak = weak_from_this(), type = config_.type, url = config_.url,
                done = std::move(done)](Result<HttpResponse> r) {
                 Answer a = classified(type, r, url);
                 if (auto s = weak.lock()) {
                   s->log_->info("NOTIFY_TEST sink={} verdict={} answer=\"{}\"", s->config_.name,
                                 toString(a.verdict), a.reason);
                 }
                 done(std::move(a));
               });
  }

  SinkStats stats() const {
    SinkStats s = stats_;
    s.pending = pending_.size();
    s.in_flight = static_cast<std::size_t>(in_flight_);
    return s;
  }

  const NotifySinkConfig& config() const { return config_; }

 private:
  struct Pending {
    OutboxEntry entry;
    TimePoint not_before{};
    bool in_flight = false;
  };

  void pump() {
    if (stopped_) return;
    if (pumping_) {
      again_ = true;
      return;
    }
    pumping_ = true;
    do {
      again_ = false;
      refill();
      dispatch();
    } while (again_ && !stopped_);
    pumping_ = false;
    arm();
  }

  void refill() {
    if (!need_read_ || pending_.size() >= config_.window) return;
    TimePoint now = clock_.now();
    if (now < read_retry_at_) return;
    std::size_t want = config_.window - pending_.size();
    auto rows = outbox_.readAfter(config_.name, cursor_, want);
    if (!rows) {
      outboxError("read", rows.error());
      read_retry_at_ = now + kOutboxRetry;
      return;
    }
    need_read_ = rows->size() == want;  // a full page: more may be waiting
    std::vector<std::int64_t> filtered;
    for (auto& row : *rows) {
      std::int64_t seq = row.event.seq;
      cursor_ = std::max(cursor_, seq);
      if (pending_.count(seq)) continue;  // a rescan meets what it already holds
      if (!policy_.wants(row.event)) {
        filtered.push_back(seq);
        continue;
      }
      Pending p;
      if (row.failure) p.not_before = row.failure->retry_at;
      p.entry = std::move(row);
      pending_.emplace(seq, std::move(p));
    }
    if (!filtered.empty()) {
      if (auto r = outbox_.markDelivered(config_.name, filtered); !r)
        outboxError("finish filtered", r.error());
      else
        stats_.filtered += filtered.size();
    }
    if (need_read_ && pending_.size() < config_.window) again_ = true;
  }

  // Events that may go now, by seq: not in flight, due, and with no earlier
  // unfinished event of the same parcel left out before them. A webhook
  // sends one at a time, so it stops at the first; a robot needs the count
  // to decide whether to fold (and sends at most 20 a minute).
  std::vector<Pending*> ready(TimePoint now) {
    bool folds = platformProfile(config_.type).folds;
    std::size_t limit = folds ? pending_.size() : 1;
    std::unordered_set<std::string_view> blocked(busy_parcels_.begin(), busy_parcels_.end());
    std::vector<Pending*> out;
    for (auto& [seq, p] : pending_) {
      if (out.size() >= limit) break;
      std::string_view parcel = p.entry.event.tracking_number;
      if (blocked.count(parcel)) continue;
      if (p.in_flight || p.not_before > now) {
        blocked.insert(parcel);
        continue;
      }
      out.push_back(&p);
      // A digest may carry a parcel's next events after this one (it is a
      // prefix of this list, so never without it); single messages may not.
      if (!folds) blocked.insert(parcel);
    }
    return out;
  }

  void dispatch() {
    TimePoint now = clock_.now();
    while (!stopped_ && in_flight_ < policy_.maxInFlight() && policy_.nextSendAt(now) <= now) {
      auto list = ready(now);
      if (list.empty()) return;
      std::size_t k = policy_.foldCount(list.size(), now);
      std::vector<AlertEvent> batch;
      batch.reserve(k);
      for (std::size_t i = 0; i < k; ++i) batch.push_back(list[i]->entry.event);
      OutgoingMessage m = buildMessage(config_, batch, now);
      std::vector<std::int64_t> seqs;
      for (std::size_t i = 0; i < m.events; ++i) {
        list[i]->in_flight = true;
        busy_parcels_.insert(list[i]->entry.event.tracking_number);
        seqs.push_back(list[i]->entry.event.seq);
      }
      policy_.recordSend(now);
      ++in_flight_;
      ++stats_.messages;
      if (m.digest) ++stats_.digests;
      http_.send(std::move(m.request), [weak = weak_from_this(), seqs = std::move(seqs),
                                        epoch = epoch_](Result<HttpResponse> r) mutable {
        if (auto s = weak.lock()) s->onAnswer(epoch, seqs, std::move(r));
      });
    }
  }

  void onAnswer(std::uint64_t epoch, const std::vector<std::int64_t>& seqs,
                Result<HttpResponse> response) {
    if (stopped_ || epoch != epoch_) return;
    --in_flight_;
    TimePoint now = clock_.now();
    Answer a = classified(config_.type, response, config_.url);
    if (response) stats_.request_seconds.observe(response->elapsed.count() / 1000.0);
    for (auto seq : seqs)
      if (auto it = pending_.find(seq); it != pending_.end()) {
        it->second.in_flight = false;
        busy_parcels_.erase(it->second.entry.event.tracking_number);
      }
    if (a.verdict == Verdict::delivered)
      delivered(seqs, now);
    else
      failed(seqs, a, now);
    pump();
  }

  void delivered(const std::vector<std::int64_t>& seqs, TimePoint now) {
    // Marked even if the outbox write fails: the platform has them, and a
    // restart sends them again at worst (receivers de-duplicate).
    if (auto r = outbox_.markDelivered(config_.name, seqs); !r) outboxError("finish", r.error());
    for (auto seq : seqs) {
      auto it = pending_.find(seq);
      if (it == pending_.end()) continue;
      auto lag = now - std::chrono::time_point_cast<Millis>(it->second.entry.event.occurred_at);
      stats_.delivery_lag_seconds.observe(std::max<double>(0, lag.count() / 1000.0));
      pending_.erase(it);
      ++stats_.delivered;
    }
    stats_.last_delivered_at = now;
  }

  void failed(const std::vector<std::int64_t>& seqs, const Answer& a, TimePoint now) {
    stats_.failed_attempts += seqs.size();
    stats_.last_error = a.reason;
    if (a.verdict == Verdict::rate_limited) {
      ++stats_.rate_limited;
      policy_.throttle(a, now);
    }
    limiter_.log(*log_, spdlog::level::warn, "NOTIFY_FAILED " + config_.name + " " + a.reason,
                 "NOTIFY_FAILED sink=" + config_.name + " events=" + std::to_string(seqs.size()) +
                     " first_seq=" + std::to_string(seqs.front()) + " verdict=" +
                     std::string(toString(a.verdict)) + " error=\"" + a.reason + "\"");
    for (auto seq : seqs) {
      auto it = pending_.find(seq);
      if (it == pending_.end()) continue;
      OutboxEntry& e = it->second.entry;
      FailureRecord f = e.failure.value_or(FailureRecord{0, now, now, {}});
      ++f.failures;
      f.error = a.reason;
      auto plan = policy_.afterFailure(a, f.failures, f.first_failure, now);
      if (plan.park) {
        if (auto r = outbox_.park(config_.name, seq, a.reason); !r) outboxError("park", r.error());
        log_->warn("NOTIFY_PARKED sink={} seq={} parcel={} failures={} error=\"{}\"", config_.name,
                   seq, e.event.tracking_number, f.failures, a.reason);
        pending_.erase(it);
        ++stats_.parked;
        continue;
      }
      f.retry_at = plan.retry_at;
      it->second.not_before = plan.retry_at;
      if (auto r = outbox_.recordFailure(config_.name, seq, f); !r)
        outboxError("record failure", r.error());
      e.failure = std::move(f);
    }
  }

  void outboxError(std::string_view what, const Error& e) {
    ++stats_.outbox_errors;
    stats_.last_error = "outbox " + std::string(what) + ": " + e.message;
    limiter_.log(*log_, spdlog::level::err, "NOTIFY_OUTBOX_ERROR " + config_.name,
                 "NOTIFY_OUTBOX_ERROR sink=" + config_.name + " op=\"" + std::string(what) +
                     "\" error=\"" + e.message + "\"");
  }

  // The next moment something may be sent or read.
  TimePoint nextWake(TimePoint now) {
    TimePoint next = now + kSweep;
    auto consider = [&](TimePoint t) { next = std::min(next, t); };
    if (need_read_ && pending_.size() < config_.window && read_retry_at_ > now)
      consider(read_retry_at_);
    if (in_flight_ >= policy_.maxInFlight()) return next;
    std::unordered_set<std::string_view> seen(busy_parcels_.begin(), busy_parcels_.end());
    TimePoint sendable = policy_.nextSendAt(now);
    for (auto& [seq, p] : pending_) {
      std::string_view parcel = p.entry.event.tracking_number;
      if (!seen.insert(parcel).second || p.in_flight) continue;  // not this parcel's head
      consider(std::max(p.not_before, sendable));
    }
    return next;
  }

  void arm() {
    if (stopped_) return;
    TimePoint now = clock_.now();
    // Never spin: something due "now" that dispatch() left waits a moment.
    TimePoint at = std::max(nextWake(now), now + 1ms);
    if (armed_for_ && *armed_for_ == at) return;
    armed_for_ = at;
    timer_.expires_after(at - now);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) {
        s->armed_for_.reset();
        s->need_read_ = true;
        s->pump();
      }
    });
  }

  asio::io_context& io_;
  HttpClient& http_;
  OutboxReader& outbox_;
  NotifySinkConfig config_;
  const NotifyClock& clock_;
  SinkPolicy policy_;
  asio::steady_timer timer_;
  std::optional<TimePoint> armed_for_;
  std::shared_ptr<spdlog::logger> log_;
  LogLimiter limiter_;

  std::map<std::int64_t, Pending> pending_;
  std::set<std::string, std::less<>> busy_parcels_;
  std::int64_t cursor_ = 0;
  int in_flight_ = 0;
  bool need_read_ = false;
  TimePoint read_retry_at_{};
  bool wake_posted_ = false;
  bool pumping_ = false;
  bool again_ = false;
  bool stopped_ = true;
  std::uint64_t epoch_ = 0;
  SinkStats stats_;
};

SinkDelivery::SinkDelivery(asio::io_context& io, HttpClient& http, OutboxReader& outbox,
                           NotifySinkConfig config, const NotifyClock& clock, std::uint64_t seed)
    : impl_(std::make_shared<Impl>(io, http, outbox, std::move(config), clock, seed)) {}

SinkDelivery::~SinkDelivery() { impl_->stop(); }

void SinkDelivery::start() { impl_->start(); }
void SinkDelivery::wake() { impl_->wake(); }
void SinkDelivery::rescan() { impl_->rescan(); }
void SinkDelivery::stop() { impl_->stop(); }
void SinkDelivery::sendTest(std::function<void(Answer)> done) { impl_->sendTest(std::move(done)); }
SinkStats SinkDelivery::stats() const { return impl_->stats(); }
const NotifySinkConfig& SinkDelivery::config() const { return impl_->config(); }

}  // namespace pw::notify
