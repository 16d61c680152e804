#include "polling/decode_pool.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <thread>

namespace pw {

unsigned DecodePool::defaultThreads() {
  unsigned cores = std::thread::hardware_concurrency();
  return cores <= 1 ? 0 : std::min(cores - 1, 4u);
}

DecodePool::DecodePool(boost::asio::io_context& io, unsigned threads) : io_(io) {
  if (threads > 0) pool_.emplace(threads);
}

DecodePool::~DecodePool() {
  *alive_ = false;
  if (pool_) {
    pool_->stop();
    pool_->join();
  }
}

void DecodePool::run(std::function<void()> work, std::function<void()> then) {
  if (!pool_) {
    work();
    then();
    return;
  }
  // The loop has work while a decode is out: io_context::run() returns only
  // once its answer was handled.
  boost::asio::post(*pool_, [this, alive = alive_, work = std::move(work), then = std::move(then),
                             guard = boost::asio::make_work_guard(io_)]() mutable {
    std::exception_ptr failed;
    try {
      work();
    } catch (...) {
      failed = std::current_exception();
    }
    // The loop's io_context outlives this pool (its owner joins it first).
    boost::asio::post(io_, [alive, failed, then = std::move(then)] {
      if (!*alive) return;
      if (failed) std::rethrow_exception(failed);
      then();
    });
    guard.reset();
  });
}

}  // namespace pw
