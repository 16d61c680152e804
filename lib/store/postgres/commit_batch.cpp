#include "model/alert_record.h"
#include "store/postgres/outbox.h"
#include "store/postgres/pg_guard.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/poll_commit.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <numeric>

namespace pw {

using pg::guarded;
using pg::secs;

Result<PollOutcome> PostgresStore::commitPoll(std::int64_t parcelId,
                                              const std::vector<TrackingEvent>& events,
                                              const std::string& carrierState, Timestamp now,
                                              const AssessFn& assess) {
  // One result needs no savepoint: the transaction is the result.
  return guarded("commit poll", [&]() -> Result<PollOutcome> {
    pqxx::work tx(*conn_);
    CommitRequest req;
    req.parcel_id = parcelId;
    req.events = events;
    req.carrier_state = carrierState;
    req.now = now;
    req.assess = assess;
    pg::CommitResult r = pg::commitOne(tx, req, options_.event_cap);
    std::vector<pg::PendingAlert> alerts;
    for (auto& a : r.alerts) alerts.push_back({now, std::move(a)});
    pg::writeOutbox(tx, alerts);
    tx.commit();
    return std::move(r.outcome);
  });
}

Result<std::vector<Result<PollOutcome>>> PostgresStore::commitBatch(
    std::vector<CommitRequest> batch) {
  return guarded("commit batch", [&]() -> Result<std::vector<Result<PollOutcome>>> {
    std::vector<Result<PollOutcome>> results(
        batch.size(), Result<PollOutcome>(makeError(ErrorCode::internal, "not committed")));
    std::vector<pg::PendingAlert> alerts;
    pqxx::work tx(*conn_);
    // A push names only its number: its parcel (the first registered) is found here.
    std::vector<bool> unknown(batch.size(), false);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      CommitRequest& req = batch[i];
      if (req.parcel_id != 0 || req.tracking_number.empty()) continue;
      auto found =
          tx.exec_params("SELECT id FROM parcels WHERE tracking_number = $1 ORDER BY id LIMIT 1",
                         req.tracking_number);
      if (found.empty()) {
        unknown[i] = true;
        results[i] =
            makeError(ErrorCode::not_found, "no parcel " + req.tracking_number + " is tracked");
        continue;
      }
      req.parcel_id = found[0][0].as<std::int64_t>();
    }
    // Parcels are locked in id order whatever order the caller gave: two batches sharing
    // parcels then wait for each other instead of deadlocking.
    std::vector<std::size_t> order(batch.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return batch[a].parcel_id < batch[b].parcel_id;
    });
    for (std::size_t i : order) {
      if (unknown[i]) continue;
      const CommitRequest& req = batch[i];
      // Savepoints by hand: libpqxx 6's subtransaction only opens its savepoint on exec(), not
      // on exec_prepared(), so its statements would run outside it.
      tx.exec0("SAVEPOINT item");
      try {
        pg::CommitResult r = pg::commitOne(tx, req, options_.event_cap);
        tx.exec0("RELEASE SAVEPOINT item");
        for (auto& a : r.alerts) alerts.push_back({req.now, std::move(a)});
        results[i] = std::move(r.outcome);
      } catch (const pqxx::transaction_rollback&) {
        throw;  // the whole transaction is gone: guarded() runs the batch again
      } catch (const pqxx::broken_connection&) {
        throw;
      } catch (...) {
        results[i] = pg::errorFromCurrentException("commit poll");
        tx.exec0("ROLLBACK TO SAVEPOINT item");
      }
    }
    // Last, so the outbox lock is held only for these inserts and the commit.
    pg::writeOutbox(tx, alerts);
    tx.commit();
    return results;
  });
}

Result<void> PostgresStore::recordPollFailure(std::int64_t parcelId, Timestamp now,
                                              const std::string& error,
                                              std::optional<Timestamp> nextPollAt,
                                              std::optional<Timestamp> queriedAt,
                                              const std::string& node) {
  return guarded("record poll failure", [&]() -> Result<void> {
    pqxx::work tx(*conn_);
    tx.exec_prepared("pw_poll_failed", parcelId, secs(now), error, secs(nextPollAt),
                     secs(queriedAt), node);
    tx.commit();
    return {};
  });
}

}  // namespace pw
