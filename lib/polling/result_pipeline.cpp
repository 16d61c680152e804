#include "polling/result_pipeline.h"

#include "carriers/tracking_number.h"
#include "remedies/assessor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pw {

ResultPipeline::ResultPipeline(Store& store, AlertEmitter& alerts, LogLimiter& limiter,
                               std::shared_ptr<const Config> config)
    : store_(store), alerts_(alerts), limiter_(limiter), config_(std::move(config)) {}

AssessContext ResultPipeline::contextFor(const Parcel& parcel, Timestamp now) const {
  AssessContext context;
  context.facts.number_format_ok =
      checkTrackingNumber(parcel.carrier, parcel.tracking_number).plausible;
  if (auto claimed = store_.hasClaim(parcel.id)) context.buyer_claims_not_received = *claimed;
  if (parcel.buyer_id) {
    if (auto n = store_.buyerClaims(*parcel.buyer_id, now - config_->rules.remedy.claim_window))
      context.buyer_claims = *n;
  }
  return context;
}

Result<PollOutcome> ResultPipeline::apply(const Parcel& parcel, std::string_view source,
                                          const CarrierSnapshot& snap, Timestamp now, bool noResult,
                                          const CommitPlan* plan) {
  for (const auto& w : snap.warnings)
    limiter_.log(*subsystemLogger("carrier"), spdlog::level::warn,
                 "EVENT_DROPPED carrier=" + std::string(source),
                 fmt::format("EVENT_DROPPED carrier={} parcel={} reason=\"{}\"", source,
                             parcel.tracking_number, w));
  AssessContext context = contextFor(parcel, now);
  context.carrier_stage = snap.carrier_stage;
  context.facts.no_result = noResult;
  context.facts.invalid_number = snap.invalid_number;
  return commit(parcel, source, snap.events, snap.carrier_state, context, now, plan);
}

ReassessPage ResultPipeline::reassessPage(std::vector<Parcel> parcels, Timestamp now) const {
  ReassessPage page;
  page.parcels = std::move(parcels);
  page.now = now;
  page.claims_since = now - config_->rules.remedy.claim_window;
  page.assess = [config = config_, now](const Parcel& p, const Timeline& timeline,
                                        const ClaimFacts& claims) {
    AssessContext context;
    context.facts.number_format_ok = checkTrackingNumber(p.carrier, p.tracking_number).plausible;
    context.buyer_claims_not_received = claims.claimed_not_received;
    context.buyer_claims = claims.buyer_claims;
    // No answer is at hand: an empty stored timeline is the carrier's last
    // word that it knows nothing of the number (parcels are polled as soon
    // as they are registered), which invalid_number keeps standing on.
    context.facts.no_result = timeline.empty();
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
  return out;
}

Result<PollOutcome> ResultPipeline::commit(const Parcel& parcel, std::string_view source,
                                           const std::vector<TrackingEvent>& events,
                                           const std::string& carrierState,
                                           const AssessContext& context, Timestamp now,
                                           const CommitPlan* plan) {
  auto config = config_;  // a reload during the commit must not change the rules midway
  auto assessFn = [&](const Parcel& p, const Timeline& timeline) {
    return assess(p, timeline, context, config->rules, now);
  };
  Result<PollOutcome> outcome = makeError(ErrorCode::internal, "not committed");
  if (!plan) {
    outcome = store_.commitPoll(parcel.id, events, carrierState, now, assessFn);
  } else {
    CommitRequest r;
    r.parcel_id = parcel.id;
    r.events = events;
    r.carrier_state = carrierState;
    r.now = now;
    r.assess = assessFn;
    r.node = plan->node;
    r.plan_next = plan->plan_next;
    auto batch = store_.commitBatch({std::move(r)});
    outcome = batch ? std::move(batch->front()) : Result<PollOutcome>(batch.error());
  }
  if (!outcome) {
    subsystemLogger("store")->error("POLL_COMMIT_FAILED parcel={} error={}", parcel.tracking_number,
                                    outcome.error().message);
    return outcome.error();
  }
  subsystemLogger("poll")->debug(
      "POLL_OK carrier={} parcel={} events={} new={} rewritten={} "
      "stage={}",
      source, parcel.tracking_number, events.size(), outcome->new_events, outcome->rewritten,
      toString(outcome->stage));
  alerts_.announce(parcel, *outcome, now);
  return outcome;
}

ParcelView viewAfter(const Parcel& parcel, const CarrierSnapshot& snapshot,
                     const PollOutcome& outcome, std::string aggregator, bool noResult) {
  ParcelView v = makeParcelView(parcel, snapshot.events, std::move(aggregator));
  v.stage = outcome.stage;
  v.no_result = noResult || snapshot.invalid_number;
  for (const auto& task : outcome.raised) v.open_exceptions.push_back(task.kind);
  return v;
}

}  // namespace pw
