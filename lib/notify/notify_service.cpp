#include "notify/notify_service.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <random>
#include <sstream>

namespace pw::notify {

namespace {
constexpr int kPrunePage = 1000;
constexpr int kPruneEveryTicks = 60;
}  // namespace

NotifyService::NotifyService(boost::asio::io_context& io, Store& store, HttpClient& http,
                             std::vector<NotifySinkConfig> sinks, const NotifyClock& clock)
    : io_(io),
      store_(store),
      http_(http),
      outbox_(store),
      clock_(clock),
      configs_(std::move(sinks)),
      tick_(io) {}

NotifyService::~NotifyService() {
  *alive_ = false;
  stop();
}

Result<void> NotifyService::start() {
  std::vector<std::string> names;
  for (const auto& c : configs_) names.push_back(c.name);
  if (auto r = store_.setOutboxSinks(names); !r) return r.error();
  std::random_device rd;
  for (const auto& c : configs_) {
    auto d = std::make_unique<SinkDelivery>(io_, http_, outbox_, c, clock_,
                                            (std::uint64_t(rd()) << 32) | rd());
    d->start();
    // Neither the secret nor the URL is logged: a robot's URL carries its token.
    spdlog::info("NOTIFY_SINK_STARTED sink={} type={}", c.name, toString(c.type));
    sinks_.emplace(c.name, std::move(d));
  }
  armTick();
  return {};
}

void NotifyService::stop() {
  if (stopped_) return;
  stopped_ = true;
  tick_.cancel();
  for (auto& [name, d] : sinks_) d->stop();
}

void NotifyService::wake() {
  if (stopped_ || wake_posted_ || sinks_.empty()) return;
  // Several commits in one turn of the loop make one read per sink.
  wake_posted_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    wake_posted_ = false;
    if (stopped_) return;
    for (auto& [name, d] : sinks_) d->wake();
  });
}

void NotifyService::armTick() {
  tick_.expires_after(std::chrono::seconds(1));
  tick_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    for (auto& [name, d] : sinks_) d->wake();
    // Pruning a page at a time keeps each turn of the loop short; a backlog
    // of delivered rows goes at 1,000 a minute, faster than sinks fill it
    // in normal operation. With no sink at all, rows are dropped the same way.
    if (++ticks_ % kPruneEveryTicks == 0) {
      auto n = store_.pruneOutbox(kPrunePage, pruneBefore());
      if (!n) spdlog::warn("NOTIFY_OUTBOX_ERROR op=prune error=\"{}\"", n.error().message);
    }
    armTick();
  });
}

bool NotifyService::has(std::string_view sink) const { return sinks_.find(sink) != sinks_.end(); }

std::vector<SinkStats> NotifyService::stats() const {
  std::vector<SinkStats> out;
  for (const auto& [name, d] : sinks_) out.push_back(d->stats());
  return out;
}

Result<std::int64_t> NotifyService::retry(std::string_view sink) {
  auto it = sinks_.find(sink);
  if (it == sinks_.end()) return makeError(ErrorCode::not_found, "no sink " + std::string(sink));
  auto n = store_.outboxRequeue(sink);
  if (!n) return n.error();
  it->second->rescan();
  return *n;
}

Result<std::uint64_t> NotifyService::sendTest(std::string_view sink) {
  auto it = sinks_.find(sink);
  if (it == sinks_.end()) return makeError(ErrorCode::not_found, "no sink " + std::string(sink));
  std::uint64_t id = next_test_++;
  tests_[std::string(sink)] = TestResult{id, false, {}};
  it->second->sendTest([this, alive = alive_, name = std::string(sink), id](Answer a) {
    if (!*alive) return;
    auto t = tests_.find(name);
    if (t == tests_.end() || t->second.id != id) return;
    t->second.done = true;
    t->second.answer = std::move(a);
  });
  return id;
}

std::optional<TestResult> NotifyService::testResult(std::string_view sink) const {
  auto it = tests_.find(sink);
  if (it == tests_.end()) return std::nullopt;
  return it->second;
}

boost::json::object NotifyService::statsJson() const {
  boost::json::object out;
  for (const auto& s : stats()) {
    auto hist = [](const Histogram& h) {
      return boost::json::object{{"count", h.count},
                                 {"mean_seconds", h.count ? h.sum / double(h.count) : 0.0},
                                 {"max_seconds", h.max}};
    };
    boost::json::object o{{"type", toString(s.type)},
                          {"delivered", s.delivered},
                          {"failed_attempts", s.failed_attempts},
                          {"parked", s.parked},
                          {"filtered", s.filtered},
                          {"messages", s.messages},
                          {"digests", s.digests},
                          {"rate_limited", s.rate_limited},
                          {"outbox_errors", s.outbox_errors},
                          {"pending", s.pending},
                          {"in_flight", s.in_flight},
                          {"request", hist(s.request_seconds)},
                          {"delivery_lag", hist(s.delivery_lag_seconds)}};
    if (!s.last_error.empty()) o["last_error"] = s.last_error;
    out[s.sink] = std::move(o);
  }
  return out;
}

std::string NotifyService::prometheusText() const {
  auto all = stats();
  if (all.empty()) return "";
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, auto get) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
    for (const auto& s : all) out << name << "{sink=\"" << s.sink << "\"} " << get(s) << '\n';
  };
  out << "# HELP parcelwatch_notify_events_total Events finished per sink, by outcome\n"
         "# TYPE parcelwatch_notify_events_total counter\n";
  for (const auto& s : all) {
    out << "parcelwatch_notify_events_total{sink=\"" << s.sink << "\",outcome=\"delivered\"} "
        << s.delivered << '\n';
    out << "parcelwatch_notify_events_total{sink=\"" << s.sink << "\",outcome=\"parked\"} "
        << s.parked << '\n';
    out << "parcelwatch_notify_events_total{sink=\"" << s.sink << "\",outcome=\"filtered\"} "
        << s.filtered << '\n';
  }
  counter("parcelwatch_notify_failed_attempts_total", "Events in failed tries (each try counts)",
          [](const SinkStats& s) { return s.failed_attempts; });
  counter("parcelwatch_notify_requests_total", "HTTP requests sent",
          [](const SinkStats& s) { return s.messages; });
  counter("parcelwatch_notify_digests_total", "Digest messages sent",
          [](const SinkStats& s) { return s.digests; });
  counter("parcelwatch_notify_rate_limited_total", "Answers that said too fast",
          [](const SinkStats& s) { return s.rate_limited; });
  auto gauge = [&](const char* name, const char* help, auto get) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n";
    for (const auto& s : all) out << name << "{sink=\"" << s.sink << "\"} " << get(s) << '\n';
  };
  gauge("parcelwatch_notify_pending", "Events waiting in memory or in flight",
        [](const SinkStats& s) { return s.pending; });
  gauge("parcelwatch_notify_in_flight", "Requests open",
        [](const SinkStats& s) { return s.in_flight; });
  auto histogram = [&](const char* name, const char* help, auto get) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
    for (const auto& s : all) {
      const Histogram& h = get(s);
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < h.bounds.size(); ++i) {
        cumulative += h.buckets[i];
        out << name << "_bucket{sink=\"" << s.sink << "\",le=\"" << h.bounds[i] << "\"} "
            << cumulative << '\n';
      }
      out << name << "_bucket{sink=\"" << s.sink << "\",le=\"+Inf\"} " << h.count << '\n';
      out << name << "_sum{sink=\"" << s.sink << "\"} " << h.sum << '\n';
      out << name << "_count{sink=\"" << s.sink << "\"} " << h.count << '\n';
    }
  };
  histogram("parcelwatch_notify_request_duration_seconds", "One notification request",
            [](const SinkStats& s) -> const Histogram& { return s.request_seconds; });
  histogram("parcelwatch_notify_delivery_lag_seconds", "From commit to acceptance",
            [](const SinkStats& s) -> const Histogram& { return s.delivery_lag_seconds; });
  return out.str();
}

}  // namespace pw::notify
