#pragma once
// PostgreSQL persistence for several parcelwatchd nodes sharing one database.
//
// The Store's operations, plus what a cluster needs: batched commits, the due
// queue with leases (claimDue), nodes' heartbeats and the outbox of alert events. Every poll or
// push result is one transaction (a batch is one transaction with a savepoint per result), so a
// crash leaves all of a result or none of it. Cluster guarantees rest on the database, not on
// the nodes agreeing: row locks taken by claims (FOR UPDATE SKIP LOCKED) and commits (the
// parcel's row first), the partial unique index on open exceptions, the unique task per
// exception, and an advisory lock that makes outbox order commit order.
//
// One PostgresStore is one connection, used from one thread; a node that wants more opens more.
// libpqxx throws; nothing leaves this class as an exception: every failure is a Result.
#include "common/result.h"
#include "store/postgres/cluster_types.h"
#include "store/shared_queue.h"
#include "store/store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;  // pqxx::connection is an alias of a template: not forward-declarable
class transaction_base;
}  // namespace pqxx

namespace pw {

class PostgresStore final : public Store, public SharedQueue {
 public:
  using AssessFn = Store::AssessFn;
  using AddOutcome = Store::AddOutcome;
  using ActiveParcel = Store::ActiveParcel;

  /// Connects (libpq conninfo: "host=... dbname=..." or a postgresql:// URI; empty fields come
  /// from the PG* environment) and applies missing schema steps under the migration lock.
  /// Of `options` only event_cap applies (the others tune SQLite's connection).
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& conninfo,
                                                     const StoreOptions& options = {});
  ~PostgresStore() override;

  std::string_view backend() const override { return "postgres"; }
  SharedQueue* sharedQueue() override { return this; }

  // --- parcels ---------------------------------------------------------------------------
  /// Registers a parcel, due at once; `inserted` is false when it was already registered.
  Result<AddOutcome> addParcel(const Parcel& parcel, Timestamp now) override;
  /// Parcels not in a final stage.
  Result<std::vector<PollTarget>> pollTargets() override;
  /// Active parcels with id > afterId, by id, a page at a time.
  Result<std::vector<ActiveParcel>> activeParcels(std::int64_t afterId, int limit) override;
  Result<std::optional<Parcel>> findParcel(std::string_view trackingNumber) override;
  Result<Parcel> parcel(std::int64_t id) override;
  Result<Timeline> timeline(std::int64_t parcelId) override;
  /// Replaces a parcel's carrier code (the aggregator corrected it).
  Result<void> updateCarrier(std::int64_t parcelId, const std::string& carrier) override;
  /// Forgets a parcel with its events, exceptions, tasks and claims.
  Result<void> removeParcel(std::int64_t parcelId) override;

  // --- committing results ----------------------------------------------------------------
  /// Merges events, runs `assess` on the merged timeline and reconciles exceptions, tasks and
  /// the outbox, in one transaction (a batch of one, without a schedule change).
  Result<PollOutcome> commitPoll(std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                                 const std::string& carrierState, Timestamp now,
                                 const AssessFn& assess) override;
  /// Commits several results in one transaction, each under its own savepoint: a result that
  /// fails (its assessment threw, its parcel is gone) is rolled back alone and reported in its
  /// slot. The outer Result fails only when the transaction itself could not commit.
  using Store::commitBatch;  // with marks: in a transaction of their own first
  Result<std::vector<Result<PollOutcome>>> commitBatch(std::vector<CommitRequest> batch) override;
  /// Counts a failed poll against the parcel. It ends `node`'s lease (when it holds one), moves
  /// the parcel to `nextPollAt` when given, and records `queriedAt` (a timed-out query may still
  /// have counted at the carrier).
  Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now, const std::string& error,
                                 std::optional<Timestamp> nextPollAt,
                                 std::optional<Timestamp> queriedAt,
                                 const std::string& node) override;
  /// The Store's version: no schedule change, no query, no lease.
  Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now,
                                 const std::string& error) override {
    return recordPollFailure(parcelId, now, error, std::nullopt, std::nullopt, {});
  }

  // --- the due queue and leases ----------------------------------------------------------
  /// Unleased parcels due at `now`, soonest first (a look, not a claim).
  Result<std::vector<DueParcel>> dueParcels(Timestamp now, int limit) override;
  /// The earliest scheduled poll (none: nothing scheduled).
  Result<std::optional<Timestamp>> nextDue() override;
  /// Schedules (or, with none, unschedules) a parcel's next poll.
  Result<void> setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at) override;
  /// Records a query the carrier counted against the number, with the quota bucket's level.
  Result<void> recordQuery(std::int64_t parcelId, Timestamp at, double tokens) override;
  /// Takes up to `limit` due parcels for `node`: rows other nodes are claiming are skipped, not
  /// waited for (FOR UPDATE SKIP LOCKED); a parcel whose number was queried within `min_gap`
  /// is left alone, whoever queried it. The lease is stored with the claim and the parcel's due
  /// time moves to the lease's end, so if the node dies, the parcel is due again then.
  Result<std::vector<DueParcel>> claimDue(const ClaimRequest& request) override;
  /// Records that `node` is about to query these parcels' numbers (call it just before sending):
  /// if the node dies after sending, the next claim still respects the per-number gap.
  Result<void> markQueried(const std::string& node, const std::vector<std::int64_t>& parcelIds,
                           Timestamp now) override;
  /// Gives back leases `node` holds without a result (shutting down): due again at `now`.
  Result<int> releaseLease(const std::string& node, const std::vector<std::int64_t>& parcelIds,
                           Timestamp now) override;

  // --- nodes -----------------------------------------------------------------------------
  /// Records that `node` is alive (and folds the counters' deltas, a cheap periodic chore).
  /// `startedAt` (given on a node's first heartbeat after it starts) replaces the stored start.
  Result<void> heartbeat(const std::string& node, Timestamp now,
                         std::optional<Timestamp> startedAt = std::nullopt) override;
  /// Nodes whose last heartbeat is within `within` of `now`, with the leases each holds.
  Result<std::vector<NodeInfo>> liveNodes(Timestamp now, Seconds within) override;

  // --- the outbox ------------------------------------------------------------------------
  /// Alert events with a sequence number above `afterSeq`, in commit order.
  Result<std::vector<OutboxEntry>> readOutbox(std::int64_t afterSeq, int limit) override;
  // The notification sinks' progress (notify_outbox.cpp).
  Result<void> setOutboxSinks(const std::vector<std::string>& names) override;
  Result<std::vector<OutboxRow>> outboxAfter(std::string_view sink, std::int64_t afterSeq,
                                             int limit) override;
  Result<void> outboxDelivered(std::string_view sink,
                               const std::vector<std::int64_t>& seqs) override;
  Result<void> outboxFailure(std::string_view sink, std::int64_t seq,
                             const OutboxFailure& failure) override;
  Result<void> outboxPark(std::string_view sink, std::int64_t seq,
                          const std::string& reason) override;
  Result<std::int64_t> outboxRequeue(std::string_view sink) override;
  Result<std::vector<OutboxSinkSummary>> outboxSummary() override;
  Result<std::vector<ParkedEvent>> outboxParked(std::string_view sink, int limit) override;
  Result<std::int64_t> pruneOutbox(int limit, Timestamp before) override;
  Result<std::int64_t> outboxHead() override;
  /// A session-level advisory lock per sink: one node delivers it at a time.
  Result<bool> ownSinkDelivery(std::string_view sink) override;

  // --- tasks, exceptions, claims ---------------------------------------------------------
  Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) override;
  Result<std::vector<NotificationTask>> unalertedTasks() override;
  using Store::markAlerted;
  Result<void> markAlerted(const AlertMarks& marks, Timestamp now) override;
  /// Raised and resolved lines not yet confirmed written, oldest first.
  Result<std::vector<PendingRaise>> unalertedRaises() override;
  Result<std::vector<PendingResolve>> unalertedResolves() override;
  /// Moves a task to acked, done or dismissed; the outbox gets a task_updated event.
  Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                        const std::string& outcome, Timestamp now) override;
  Result<std::vector<ParcelException>> exceptions(std::int64_t parcelId) override;
  Result<std::vector<ExceptionRecord>> listExceptions(const ExceptionFilter& filter) override;
  using Store::parcelsWithOpen;
  Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind, std::int64_t afterId,
                                                    int limit) override;
  Result<void> addClaim(std::int64_t parcelId, const std::string& note, Timestamp now) override;
  Result<bool> hasClaim(std::int64_t parcelId) override;
  Result<int> buyerClaims(const std::string& buyerId, Timestamp since) override;

  // --- health ----------------------------------------------------------------------------
  /// Cluster-wide counts, read from maintained counters (cost independent of the data's size).
  Result<StoreCounts> counts() override;
  /// "ok", or what is wrong: the schema version, and the maintained counters against a full
  /// count (the integrity check this backend can make; it reads every row, like quick_check).
  Result<std::string> quickCheck() override;

 private:
  // connection_base's destructor is neither virtual nor closing: deleted through it, a
  // connection stayed open (and its session's locks held) until the process ended.
  struct CloseConnection {
    void operator()(pqxx::connection_base* conn) const noexcept;
  };
  using Connection = std::unique_ptr<pqxx::connection_base, CloseConnection>;
  PostgresStore(Connection conn, const StoreOptions& options);
  void compactCounters(pqxx::transaction_base& tx);
  Connection conn_;
  StoreOptions options_;
  std::vector<std::string> owned_sinks_;  // sinks whose delivery lock this connection holds
  int owned_by_pid_ = 0;                  // the server session that took them
};

}  // namespace pw
