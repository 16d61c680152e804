#pragma once
// reassess --all over a million parcels is mostly reading timelines and
// running detection for parcels whose findings do not change. A page is
// screened on a thread of this pool with a read connection of its own
// (Store::screenReassess); only the parcels a screen names are reassessed
// again on the loop, where every write is made. The connections are opened
// when first needed and closed with the pool.
#include "common/result.h"
#include "polling/decode_pool.h"
#include "store/store.h"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace pw {

class PageScreener {
 public:
  /// The machine's cores, at most four: while a reassessment runs, the loop
  /// only reads page bounds and writes the few parcels that changed.
  static unsigned defaultThreads();

  /// `store` opens the screens' connections (Store::openScreen) and must
  /// outlive this pool; `first` is one already open. `threads` is at least 1.
  PageScreener(boost::asio::io_context& io, Store& store, unsigned threads,
               std::unique_ptr<Store> first);
  PageScreener(const PageScreener&) = delete;
  PageScreener& operator=(const PageScreener&) = delete;

  /// Which parcels of `page` a reassessment would write, and what the screen
  /// read of them; `done` runs on the loop. An error (no connection, a
  /// failed read) leaves the page to the caller.
  using Done = std::function<void(Result<ScreenedPage>)>;
  void screen(ReassessPage page, Done done);
  /// Frees what a screen kept once the loop has written from it, on a
  /// thread of the pool: a page's timelines are thousands of strings, and
  /// freeing them was a thirtieth of the loop's time at a million parcels.
  void release(ScreenedPage page);
  unsigned threads() const { return threads_; }

 private:
  // Shared with the pool's threads: at most one connection per thread.
  struct Connections {
    std::mutex mu;
    std::vector<std::unique_ptr<Store>> idle;
  };
  Store& store_;
  unsigned threads_;
  std::shared_ptr<Connections> connections_ = std::make_shared<Connections>();
  // Last: waits for running screens before the connections go.
  DecodePool pool_;
};

}  // namespace pw
