#pragma once
// What an aggregator's answer becomes, the same for a poll and a push:
// detection and remedies over the merged timeline inside one store
// transaction, then the alert and log lines for what changed. The caller
// acknowledges a push only after apply()'s `done` ran, so nothing
// acknowledged can be lost.
#include "carriers/carrier_codec.h"
#include "common/log.h"
#include "config/config.h"
#include "polling/alert_emitter.h"
#include "polling/group_commit.h"
#include "polling/parcel_view.h"
#include "store/store.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace pw {

/// What a result on a shared queue commits besides itself: the node whose
/// lease it ends and its next due time, planned from what it settled.
struct CommitPlan {
  std::string node;
  std::function<std::optional<Timestamp>(const PollOutcome&)> plan_next;
};

class ResultPipeline {
 public:
  using Done = GroupCommit::Done;
  ResultPipeline(boost::asio::io_context& io, Store& store, AlertEmitter& alerts,
                 LogLimiter& limiter, std::shared_ptr<const Config> config);
  void reconfigure(std::shared_ptr<const Config> config) { config_ = std::move(config); }

  /// Commits one answer for `parcel` through the group commit: it shares a
  /// transaction with the others ready in this turn of the loop; `done` runs
  /// after that committed (alert lines already written), on the loop.
  /// `noResult` when the aggregator knew nothing of the number yet (its
  /// snapshot is then empty); `plan` is kept until the commit.
  /// The snapshot's events move into the commit (copying a history was a
  /// tenth of the loop): what else needs them takes its view first.
  void apply(const Parcel& parcel, std::string_view source, CarrierSnapshot snapshot, Timestamp now,
             bool noResult, std::optional<CommitPlan> plan, Done done);
  /// The same for a push, which names only its number: the commit finds the
  /// parcel (the outcome carries its row) or ends in not_found.
  void applyPush(const std::string& number, std::string_view source, CarrierSnapshot snapshot,
                 Timestamp now, std::optional<CommitPlan> plan, Done done);
  /// `then` once every result and write handed over so far was committed
  /// and told (GroupCommit::whenIdle).
  void whenIdle(std::function<void()> then) { group_.whenIdle(std::move(then)); }
  bool idle() const { return group_.idle(); }
  /// Transactions the results went in, and the results committed.
  std::uint64_t transactions() const { return group_.transactions(); }
  std::uint64_t committed() const { return group_.committed(); }
  /// Detection and remedies again over the stored timeline with the current
  /// configuration, no carrier query (reassess, a buyer's claim).
  Result<PollOutcome> reassess(const Parcel& parcel, Timestamp now);
  /// The same for many parcels in one transaction (a page of `reassess
  /// --all`): one write instead of one per parcel. A parcel whose commit
  /// failed has its error in its place.
  std::vector<Result<PollOutcome>> reassess(const std::vector<Parcel>& parcels, Timestamp now);
  /// The same for parcels (ascending ids) a screen named, taken before
  /// `mark` (Store::reassessScreened), written on the group commit's writer
  /// between batches of results. `done` runs on the loop once they were
  /// written and announced, with the outcomes in the parcels' order and
  /// how long the write held the writer.
  using ReassessDone =
      std::function<void(std::vector<Result<PollOutcome>>, std::chrono::steady_clock::duration)>;
  void reassessScreened(std::vector<Parcel> parcels, ScreenedPage screened, std::uint64_t mark,
                        Timestamp now, ReassessDone done);
  /// A reassessment of `parcels` (ascending ids) with the current
  /// configuration, for the store (or a screen of it) to run.
  ReassessPage reassessPage(std::vector<Parcel> parcels, Timestamp now) const;

 private:
  /// Hands the alert lines written since the last call to the writer to mark.
  void markWritten();
  /// Puts the store's answers for `parcels` back in their order (`order`:
  /// the page's slot k is parcels[order[k]]) and announces them.
  std::vector<Result<PollOutcome>> settleReassessed(
      const std::vector<Parcel>& parcels, const std::vector<std::size_t>& order,
      Result<std::vector<Result<PollOutcome>>> committed, Timestamp now);
  void submit(CommitRequest request, const std::string& number, std::string_view source,
              std::optional<CommitPlan> plan, GroupCommit::Urgency urgency, Done done);
  void warnDropped(const std::string& number, std::string_view source, const CarrierSnapshot& snap);
  void settled(const std::string& number, std::string_view source, std::size_t events,
               Result<PollOutcome>& outcome, Timestamp now);

  Store& store_;
  AlertEmitter& alerts_;
  LogLimiter& limiter_;
  std::shared_ptr<const Config> config_;
  GroupCommit group_;
};

/// The commit of an answer (its events move in), assessed in the commit with
/// `config`'s rules as they are now. `noResult` when the aggregator knew
/// nothing of the number yet.
CommitRequest answerRequest(CarrierSnapshot snapshot, Timestamp now, bool noResult,
                            std::shared_ptr<const Config> config);

/// What the scheduler learns from a committed answer: the parcel as the
/// aggregator described it (`answer`: describeTimeline of the answer's events,
/// taken before they moved into the commit), at the stage the store settled on.
/// `noResult` also when the aggregator called the number invalid.
ParcelView viewAfter(ParcelView answer, const Parcel& parcel, const PollOutcome& outcome,
                     std::string aggregator, bool noResult);

}  // namespace pw
