#include "polling/result_pipeline.h"

#include "carriers/tracking_number.h"
#include "detection/rules.h"
#include "remedies/assessor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pw {
namespace {

std::unique_ptr<Store> writerOf(Store& store) {
  auto writer = store.openWriter();
  if (!writer) {
    subsystemLogger("store")->warn(
        "WRITER_UNAVAILABLE error=\"{}\": poll and push results commit on the event loop",
        writer.error().message);
    return nullptr;
  }
  return std::move(*writer);
}

}  // namespace

ResultPipeline::ResultPipeline(boost::asio::io_context& io, Store& store, AlertEmitter& alerts,
                               LogLimiter& limiter, std::shared_ptr<const Config> config)
    : store_(store),
      alerts_(alerts),
      limiter_(limiter),
      config_(std::move(config)),
      // The batch's continuations wrote its lines; the writer marks them.
      group_(
          io, store, [this] { markWritten(); }, writerOf(store)) {}

void ResultPipeline::markWritten() {
  auto written = alerts_.takeWritten();
  group_.mark(written.marks, written.at);
}

void ResultPipeline::warnDropped(const std::string& number, std::string_view source,
                                 const CarrierSnapshot& snap) {
  for (const auto& w : snap.warnings)
    limiter_.log(
        *subsystemLogger("carrier"), spdlog::level::warn,
        "EVENT_DROPPED carrier=" + std::string(source),
        fmt::format("EVENT_DROPPED carrier={} parcel={} reason=\"{}\"", source, number, w));
}

CommitRequest answerRequest(CarrierSnapshot snap, Timestamp now, bool noResult,
                            std::shared_ptr<const Config> config) {
  AssessContext context;
  context.carrier_stage = snap.carrier_stage;
  context.facts.no_result = noResult;
  context.facts.invalid_number = snap.invalid_number;
  CommitRequest r;
  r.events = std::move(snap.events);
  r.carrier_state = std::move(snap.carrier_state);
  r.now = now;
  r.claims_since = now - config->rules.remedy.claim_window;
  // The rules as they are now: a reload before the commit must not change
  // them midway, and the request may wait a turn of the loop to commit.
  // What depends on the parcel's row comes with the row the commit reads.
  r.assess = [context = std::move(context), config = std::move(config), now](
                 const Parcel& p, const Timeline& timeline, const ClaimFacts& claims) {
    AssessContext c = context;
    if (readsNumberFormat(timeline, c.facts))
      c.facts.number_format_ok = checkTrackingNumber(p.carrier, p.tracking_number).plausible;
    c.buyer_claims_not_received = claims.claimed_not_received;
    c.buyer_claims = claims.buyer_claims;
    return assess(p, timeline, c, config->rules, now);
  };
  return r;
}

void ResultPipeline::apply(const Parcel& parcel, std::string_view source, CarrierSnapshot snap,
                           Timestamp now, bool noResult, std::optional<CommitPlan> plan,
                           Done done) {
  warnDropped(parcel.tracking_number, source, snap);
  CommitRequest r = answerRequest(std::move(snap), now, noResult, config_);
  r.parcel_id = parcel.id;
  submit(std::move(r), parcel.tracking_number, source, std::move(plan), GroupCommit::kMayWait,
         std::move(done));
}

void ResultPipeline::applyPush(const std::string& number, std::string_view source,
                               CarrierSnapshot snap, Timestamp now, std::optional<CommitPlan> plan,
                               Done done) {
  warnDropped(number, source, snap);
  CommitRequest r = answerRequest(std::move(snap), now, false, config_);
  r.tracking_number = number;
  // Its sender waits for the answer, which comes after the commit.
  submit(std::move(r), number, source, std::move(plan), GroupCommit::kAwaited, std::move(done));
}

void ResultPipeline::submit(CommitRequest r, const std::string& number, std::string_view source,
                            std::optional<CommitPlan> plan, GroupCommit::Urgency urgency,
                            Done done) {
  if (plan) {
    r.node = std::move(plan->node);
    r.plan_next = std::move(plan->plan_next);
  }
  Timestamp now = r.now;
  std::size_t events = r.events.size();
  group_.submit(
      std::move(r),
      [this, number, source = std::string(source), events, now,
       done = std::move(done)](Result<PollOutcome> outcome) {
        settled(number, source, events, outcome, now);
        done(std::move(outcome));
      },
      urgency);
}

void ResultPipeline::settled(const std::string& number, std::string_view source, std::size_t events,
                             Result<PollOutcome>& outcome, Timestamp now) {
  if (!outcome && outcome.error().code == ErrorCode::not_found) {
    subsystemLogger("poll")->debug("POLL_DROPPED parcel={}: not tracked (any more)", number);
    return;
  }
  if (!outcome) {
    subsystemLogger("store")->error("POLL_COMMIT_FAILED parcel={} error={}", number,
                                    outcome.error().message);
    return;
  }
  subsystemLogger("poll")->debug(
      "POLL_OK carrier={} parcel={} events={} new={} rewritten={} "
      "stage={}",
      source, number, events, outcome->new_events, outcome->rewritten, toString(outcome->stage));
  if (outcome->parcel) alerts_.announce(*outcome->parcel, *outcome, now);
}

ReassessPage ResultPipeline::reassessPage(std::vector<Parcel> parcels, Timestamp now) const {
  ReassessPage page;
  page.parcels = std::move(parcels);
  page.now = now;
  page.claims_since = now - config_->rules.remedy.claim_window;
  page.assess = [config = config_, now](const Parcel& p, const Timeline& timeline,
                                        const ClaimFacts& claims, bool messages) {
    AssessContext context;
    context.messages = messages;
    context.buyer_claims_not_received = claims.claimed_not_received;
    context.buyer_claims = claims.buyer_claims;
    // No answer is at hand: an empty stored timeline is the carrier's last
    // word that it knows nothing of the number (parcels are polled as soon
    // as they are registered), which invalid_number keeps standing on.
    context.facts.no_result = timeline.empty();
    if (readsNumberFormat(timeline, context.facts))
      context.facts.number_format_ok = checkTrackingNumber(p.carrier, p.tracking_number).plausible;
    return assess(p, timeline, context, config->rules, now);
  };
  return page;
}

Result<PollOutcome> ResultPipeline::reassess(const Parcel& parcel, Timestamp now) {
  auto results = reassess(std::vector<Parcel>{parcel}, now);
  return std::move(results.front());
}

std::vector<Result<PollOutcome>> ResultPipeline::reassess(const std::vector<Parcel>& parcels,
                                                          Timestamp now) {
  // The store reads a page by id at once: it takes the parcels ascending.
  std::vector<std::size_t> order(parcels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return parcels[a].id < parcels[b].id; });
  std::vector<Parcel> byId;
  byId.reserve(parcels.size());
  for (auto i : order) byId.push_back(parcels[i]);
  auto committed = store_.reassessPage(reassessPage(std::move(byId), now));
  return settleReassessed(parcels, order, std::move(committed), now);
}

void ResultPipeline::reassessScreened(std::vector<Parcel> parcels, ScreenedPage screened,
                                      std::uint64_t mark, Timestamp now, ReassessDone done) {
  struct Write {
    ReassessPage page;
    ScreenedPage screened;
    Result<std::vector<Result<PollOutcome>>> committed = std::vector<Result<PollOutcome>>();
    std::chrono::steady_clock::duration took{};
  };
  auto w = std::make_shared<Write>();
  w->page = reassessPage(std::move(parcels), now);
  w->screened = std::move(screened);
  group_.write(
      [w, mark](Store& writer) {
        auto started = std::chrono::steady_clock::now();
        w->committed = writer.reassessScreened(w->page, w->screened, mark);
        w->took = std::chrono::steady_clock::now() - started;
        w->screened = ScreenedPage{};  // the rows are freed here, off the loop
      },
      [this, w, now, done = std::move(done)] {
        std::vector<std::size_t> order(w->page.parcels.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        auto out = settleReassessed(w->page.parcels, order, std::move(w->committed), now);
        done(std::move(out), w->took);
      });
}

std::vector<Result<PollOutcome>> ResultPipeline::settleReassessed(
    const std::vector<Parcel>& parcels, const std::vector<std::size_t>& order,
    Result<std::vector<Result<PollOutcome>>> committed, Timestamp now) {
  if (!committed) {
    subsystemLogger("store")->error("REASSESS_COMMIT_FAILED parcels={} error={}", parcels.size(),
                                    committed.error().message);
    return std::vector<Result<PollOutcome>>(parcels.size(), Result<PollOutcome>(committed.error()));
  }
  std::vector<Result<PollOutcome>> out(parcels.size(), Result<PollOutcome>(PollOutcome{}));
  for (std::size_t k = 0; k < order.size(); ++k) out[order[k]] = std::move((*committed)[k]);
  for (std::size_t i = 0; i < parcels.size(); ++i) {
    auto& outcome = out[i];
    if (outcome)
      alerts_.announce(parcels[i], *outcome, now);
    else
      subsystemLogger("store")->error("REASSESS_COMMIT_FAILED parcel={} error={}",
                                      parcels[i].tracking_number, outcome.error().message);
  }
  markWritten();
  return out;
}

ParcelView viewAfter(ParcelView answer, const Parcel& parcel, const PollOutcome& outcome,
                     std::string aggregator, bool noResult) {
  ParcelView v = std::move(answer);
  describeParcel(v, parcel, std::move(aggregator));
  v.stage = outcome.stage;
  v.no_result = noResult;
  for (const auto& task : outcome.raised) v.open_exceptions.push_back(task.kind);
  return v;
}

}  // namespace pw
