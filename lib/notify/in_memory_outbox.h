#pragma once
// The outbox in memory, for tests and the benchmark: the same contract as the
// store's table, plus what tests look at (what was delivered, in what order,
// what was parked) and a switch to make the next calls fail like a busy disk.
#include "notify/outbox.h"

#include <map>
#include <mutex>
#include <set>

namespace pw::notify {

class InMemoryOutbox final : public OutboxReader {
 public:
  /// Assigns the next seq (1, 2, ...) and returns it.
  std::int64_t append(AlertEvent event);

  Result<std::vector<OutboxEntry>> readAfter(std::string_view sink, std::int64_t afterSeq,
                                             std::size_t limit) override;
  Result<void> markDelivered(std::string_view sink, std::span<const std::int64_t> seqs) override;
  Result<void> recordFailure(std::string_view sink, std::int64_t seq,
                             const FailureRecord& failure) override;
  Result<void> park(std::string_view sink, std::int64_t seq, std::string_view reason) override;

  /// Parked events back into the flow; returns how many.
  std::size_t requeue(std::string_view sink);
  /// The next `calls` calls of any kind fail with ErrorCode::io.
  void failNextCalls(int calls);

  std::vector<std::int64_t> finished(std::string_view sink) const;  // in the order marked
  std::size_t finishedCount(std::string_view sink) const;
  std::map<std::int64_t, std::string> parked(std::string_view sink) const;
  std::optional<FailureRecord> failure(std::string_view sink, std::int64_t seq) const;
  std::size_t size() const;

 private:
  struct SinkState {
    std::set<std::int64_t> done;
    std::vector<std::int64_t> done_order;
    std::map<std::int64_t, std::string> parked;
    std::map<std::int64_t, FailureRecord> failures;
  };
  bool failing();  // with mu_ held
  SinkState& sink(std::string_view name);

  mutable std::mutex mu_;  // the benchmark appends from its own thread
  std::int64_t next_seq_ = 1;
  int fail_calls_ = 0;
  std::map<std::int64_t, AlertEvent> events_;
  std::map<std::string, SinkState, std::less<>> sinks_;
};

}  // namespace pw::notify
