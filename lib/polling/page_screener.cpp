#include "polling/page_screener.h"

#include <algorithm>
#include <thread>

namespace pw {

unsigned PageScreener::defaultThreads() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

PageScreener::PageScreener(boost::asio::io_context& io, Store& store, unsigned threads,
                           std::unique_ptr<Store> first)
    : store_(store), threads_(std::max(threads, 1u)), pool_(io, threads_) {
  if (first) connections_->idle.push_back(std::move(first));
}

void PageScreener::screen(ReassessPage page, Done done) {
  // Opened on the loop (the store is the loop's), used on a pool thread.
  std::unique_ptr<Store> connection;
  {
    std::lock_guard lock(connections_->mu);
    if (!connections_->idle.empty()) {
      connection = std::move(connections_->idle.back());
      connections_->idle.pop_back();
    }
  }
  if (!connection) {
    auto opened = store_.openScreen();
    if (!opened) return done(opened.error());
    if (!*opened) return done(makeError(ErrorCode::internal, "this store screens no pages"));
    connection = std::move(*opened);
  }
  auto verdict = std::make_shared<Result<ScreenedPage>>(ScreenedPage{});
  auto held = std::make_shared<std::unique_ptr<Store>>(std::move(connection));
  pool_.run(
      [connections = connections_, held, verdict, page = std::move(page)] {
        *verdict = (*held)->screenReassess(page);
        std::lock_guard lock(connections->mu);
        connections->idle.push_back(std::move(*held));
      },
      [verdict, done = std::move(done)] { done(std::move(*verdict)); });
}

void PageScreener::release(ScreenedPage page) {
  pool_.run([page = std::move(page)]() mutable { page = ScreenedPage{}; }, [] {});
}

}  // namespace pw
