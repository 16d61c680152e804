#include "polling/group_commit.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <vector>

namespace pw {

GroupCommit::GroupCommit(boost::asio::io_context& io, Store& store) : io_(io), store_(store) {}

GroupCommit::~GroupCommit() { *alive_ = false; }

void GroupCommit::submit(CommitRequest request, Done done) {
  pending_.push_back({std::move(request), std::move(done)});
  schedule();
}

void GroupCommit::schedule() {
  if (posted_ || pending_.empty()) return;
  posted_ = true;
  // Posted, not run here: results whose answers are ready in this turn of the
  // loop queue up behind it and share the transaction.
  boost::asio::post(io_, [this, alive = alive_] {
    if (*alive) flush();
  });
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
}

}  // namespace pw
