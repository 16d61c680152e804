#pragma once
// Decoding a carrier's answer (JSON, local times, the text classifier, the
// gazetteer) depends on the answer alone and was a fifth of the event loop's
// time under load. It runs on threads of its own so that the loop keeps to
// sockets, the schedule and the commit; what a decode yields goes back to the
// loop, where everything else about the parcel happens.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace pw {

class DecodePool {
 public:
  /// The cores but one (the loop's), at most four; none on one core.
  static unsigned defaultThreads();

  /// `threads` 0 runs each decode inline, on the caller's thread.
  DecodePool(boost::asio::io_context& io, unsigned threads);
  /// Waits for the decodes that are running; their `then` never runs.
  ~DecodePool();
  DecodePool(const DecodePool&) = delete;
  DecodePool& operator=(const DecodePool&) = delete;

  /// Runs `work` on a pool thread, then `then` on the loop. `work` must touch
  /// nothing but what it captured. An exception `work` throws is thrown again
  /// on the loop instead of `then`, as if it had run there.
  void run(std::function<void()> work, std::function<void()> then);

 private:
  boost::asio::io_context& io_;
  std::optional<boost::asio::thread_pool> pool_;
  // A `then` posted before this object is gone must not run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pw
