#include "notify/in_memory_outbox.h"

namespace pw::notify {

namespace {
Error storeDown() { return makeError(ErrorCode::io, "outbox unavailable (test)"); }
}  // namespace

std::int64_t InMemoryOutbox::append(AlertEvent event) {
  std::lock_guard lock(mu_);
  event.seq = next_seq_++;
  std::int64_t seq = event.seq;
  events_.emplace(seq, std::move(event));
  return seq;
}

bool InMemoryOutbox::failing() {
  if (fail_calls_ <= 0) return false;
  --fail_calls_;
  return true;
}

InMemoryOutbox::SinkState& InMemoryOutbox::sink(std::string_view name) {
  auto it = sinks_.find(name);
  if (it == sinks_.end()) it = sinks_.emplace(std::string(name), SinkState{}).first;
  return it->second;
}

Result<std::vector<OutboxEntry>> InMemoryOutbox::readAfter(std::string_view name,
                                                           std::int64_t afterSeq,
                                                           std::size_t limit) {
  std::lock_guard lock(mu_);
  if (failing()) return storeDown();
  auto& s = sink(name);
  std::vector<OutboxEntry> out;
  for (auto it = events_.upper_bound(afterSeq); it != events_.end() && out.size() < limit; ++it) {
    if (s.done.count(it->first) || s.parked.count(it->first)) continue;
    OutboxEntry e{it->second, std::nullopt};
    if (auto f = s.failures.find(it->first); f != s.failures.end()) e.failure = f->second;
    out.push_back(std::move(e));
  }
  return out;
}

Result<void> InMemoryOutbox::markDelivered(std::string_view name,
                                           std::span<const std::int64_t> seqs) {
  std::lock_guard lock(mu_);
  if (failing()) return storeDown();
  auto& s = sink(name);
  for (auto seq : seqs) {
    if (!s.done.insert(seq).second) continue;
    s.done_order.push_back(seq);
    s.failures.erase(seq);
  }
  return {};
}

Result<void> InMemoryOutbox::recordFailure(std::string_view name, std::int64_t seq,
                                           const FailureRecord& failure) {
  std::lock_guard lock(mu_);
  if (failing()) return storeDown();
  sink(name).failures[seq] = failure;
  return {};
}

Result<void> InMemoryOutbox::park(std::string_view name, std::int64_t seq,
                                  std::string_view reason) {
  std::lock_guard lock(mu_);
  if (failing()) return storeDown();
  sink(name).parked[seq] = std::string(reason);
  return {};
}

std::size_t InMemoryOutbox::requeue(std::string_view name) {
  std::lock_guard lock(mu_);
  auto& s = sink(name);
  std::size_t n = s.parked.size();
  for (const auto& [seq, reason] : s.parked) s.failures.erase(seq);
  s.parked.clear();
  return n;
}

void InMemoryOutbox::failNextCalls(int calls) {
  std::lock_guard lock(mu_);
  fail_calls_ = calls;
}

std::vector<std::int64_t> InMemoryOutbox::finished(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = sinks_.find(name);
  return it == sinks_.end() ? std::vector<std::int64_t>{} : it->second.done_order;
}

std::size_t InMemoryOutbox::finishedCount(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = sinks_.find(name);
  return it == sinks_.end() ? 0 : it->second.done.size();
}

std::map<std::int64_t, std::string> InMemoryOutbox::parked(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = sinks_.find(name);
  return it == sinks_.end() ? std::map<std::int64_t, std::string>{} : it->second.parked;
}

std::optional<FailureRecord> InMemoryOutbox::failure(std::string_view name,
                                                     std::int64_t seq) const {
  std::lock_guard lock(mu_);
  auto it = sinks_.find(name);
  if (it == sinks_.end()) return std::nullopt;
  auto f = it->second.failures.find(seq);
  if (f == it->second.failures.end()) return std::nullopt;
  return f->second;
}

std::size_t InMemoryOutbox::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace pw::notify
