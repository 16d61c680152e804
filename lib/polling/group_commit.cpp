#include "polling/group_commit.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <vector>

namespace pw {

GroupCommit::GroupCommit(boost::asio::io_context& io, Store& store,
                         std::function<void()> afterBatch)
    : io_(io), store_(store), after_batch_(std::move(afterBatch)) {}

GroupCommit::~GroupCommit() { *alive_ = false; }

void GroupCommit::submit(CommitRequest request, Done done) {
  pending_.push_back({std::move(request), std::move(done)});
  schedule();
}

void GroupCommit::schedule() {
  if (posted_ || pending_.empty()) return;
  posted_ = true;
  seen_ = pending_.size();
  turns_ = 0;
  post();
}

void GroupCommit::post() {
  // Posted, not run here: results whose answers are ready in this turn of the
  // loop queue up behind it and share the transaction.
  boost::asio::post(io_, [this, alive = alive_] {
    if (*alive) gather();
  });
}

void GroupCommit::gather() {
  // Asio looks at the sockets again before it runs a handler posted now, so
  // another turn is worth it while the last one brought results.
  bool grew = pending_.size() > seen_;
  if (grew && pending_.size() < kMaxBatch && ++turns_ < kMaxGatherTurns) {
    seen_ = pending_.size();
    post();
    return;
  }
  flush();
}

void GroupCommit::flush() {
  posted_ = false;
  std::size_t n = std::min(pending_.size(), kMaxBatch);
  std::vector<CommitRequest> requests;
  std::vector<Done> dones;
  requests.reserve(n);
  dones.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    requests.push_back(std::move(pending_.front().request));
    dones.push_back(std::move(pending_.front().done));
    pending_.pop_front();
  }
  auto results = store_.commitBatch(std::move(requests));
  ++transactions_;
  // What is left goes in a later turn, after the loop served what is waiting.
  schedule();
  auto alive = alive_;
  for (std::size_t i = 0; i < n && *alive; ++i) {
    if (!results) {
      dones[i](results.error());
      continue;
    }
    if ((*results)[i]) ++committed_;
    dones[i](std::move((*results)[i]));
  }
  if (*alive && after_batch_) after_batch_();
}

}  // namespace pw
