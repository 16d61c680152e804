#pragma once
// The OutboxReader the daemon uses: the SQLite store's outbox table (rows
// written in the transaction that caused them) and its per-sink state. Reads
// a page at a time (SinkDelivery asks for at most its window), never the
// whole outbox. Used on the event loop's thread with the event loop's Store.
#include "notify/outbox.h"
#include "store/store.h"

namespace pw::notify {

class StoreOutbox final : public OutboxReader {
 public:
  explicit StoreOutbox(Store& store) : store_(store) {}

  Result<std::vector<OutboxEntry>> readAfter(std::string_view sink, std::int64_t afterSeq,
                                             std::size_t limit) override;
  Result<void> markDelivered(std::string_view sink, std::span<const std::int64_t> seqs) override;
  Result<void> recordFailure(std::string_view sink, std::int64_t seq,
                             const FailureRecord& failure) override;
  Result<void> park(std::string_view sink, std::int64_t seq, std::string_view reason) override;

 private:
  Store& store_;
};

}  // namespace pw::notify
