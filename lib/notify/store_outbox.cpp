#include "notify/store_outbox.h"

#include <algorithm>

namespace pw::notify {

Result<std::vector<OutboxEntry>> StoreOutbox::readAfter(std::string_view sink,
                                                        std::int64_t afterSeq, std::size_t limit) {
  std::vector<OutboxEntry> out;
  // On a shared database one node delivers each sink; the others read
  // nothing until that node is gone and its lock with it.
  auto owner = store_.ownSinkDelivery(sink);
  if (!owner) return owner.error();
  if (!*owner) return out;
  // A row that does not parse (written by a newer version, or damaged) is
  // parked with the reason, so it neither blocks the sink nor disappears.
  while (out.empty()) {
    auto rows =
        store_.outboxAfter(sink, afterSeq, static_cast<int>(std::min<std::size_t>(limit, 100000)));
    if (!rows) return rows.error();
    if (rows->empty()) break;
    for (auto& row : *rows) {
      afterSeq = row.seq;
      auto event = alertEventFromJson(row.payload);
      if (!event) {
        if (auto r =
                store_.outboxPark(sink, row.seq, "unreadable payload: " + event.error().message);
            !r)
          return r.error();
        continue;
      }
      event->seq = row.seq;
      OutboxEntry e{std::move(*event), std::nullopt};
      if (row.failures > 0)
        e.failure = FailureRecord{row.failures, TimePoint(Millis(row.first_failure_ms)),
                                  TimePoint(Millis(row.retry_at_ms)), row.error};
      out.push_back(std::move(e));
    }
    if (rows->size() < limit) break;
  }
  return out;
}

Result<void> StoreOutbox::markDelivered(std::string_view sink, std::span<const std::int64_t> seqs) {
  return store_.outboxDelivered(sink, std::vector<std::int64_t>(seqs.begin(), seqs.end()));
}

Result<void> StoreOutbox::recordFailure(std::string_view sink, std::int64_t seq,
                                        const FailureRecord& f) {
  return store_.outboxFailure(
      sink, seq, {f.failures, unixMillis(f.first_failure), unixMillis(f.retry_at), f.error});
}

Result<void> StoreOutbox::park(std::string_view sink, std::int64_t seq, std::string_view reason) {
  return store_.outboxPark(sink, seq, std::string(reason));
}

}  // namespace pw::notify
