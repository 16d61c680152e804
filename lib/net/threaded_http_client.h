#pragma once
// CurlHttpClients on threads of their own, for the poll path: curl's work per
// transfer (the connection cache, the request's headers, its send and
// receive) and the answer's decoding were a third of the event loop's time
// under load, and the loop was the thread the poll rate waited on. The
// callbacks still run on the caller's io_context, as HttpClient promises, so
// the poll loop, the scheduler and the store see no other thread.
#include "net/curl_http_client.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pw {

class ThreadedHttpClient final : public HttpClient {
 public:
  /// Callbacks are posted to `home`; every call is made from its thread.
  /// `threads` clients (no more than the limits' max_transfers) share those
  /// transfers and the idle connections between them.
  ThreadedHttpClient(boost::asio::io_context& home, CurlLimits limits, unsigned threads = 1);
  /// Drops what is in flight (no callback) and joins the threads.
  ~ThreadedHttpClient() override;
  ThreadedHttpClient(const ThreadedHttpClient&) = delete;
  ThreadedHttpClient& operator=(const ThreadedHttpClient&) = delete;

  void send(HttpRequest request, Callback done) override;
  void send(HttpRequest request, Prepare prepare, Callback done) override;
  void cancelAll() override;
  size_t inFlight() const override { return in_flight_; }
  size_t maxOpen() const override { return max_open_; }
  void setLimits(CurlLimits limits);
  std::size_t threads() const { return shards_.size(); }

 private:
  // An answer, decoded on a client's thread, on its way home.
  struct Answer {
    Callback done;
    std::uint64_t generation = 0;
    std::exception_ptr failed;  // what `prepare` threw
    Result<HttpResponse> result;
  };
  // One curl client and the thread that runs it.
  struct Shard {
    // curl's, run by thread alone. The hint (one thread) lets what curl's
    // handlers post to it skip the lock and the reactor's wake-up, an
    // epoll_ctl for most queries otherwise; posts from the home thread still
    // take the lock.
    boost::asio::io_context io{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        boost::asio::make_work_guard(io)};
    std::unique_ptr<CurlHttpClient> curl;  // touched on thread only once it runs
    std::size_t open = 0;                  // the home thread's count of its requests
    bool sending = true;                   // the home thread's: gets new requests
    // thread's: answers go home one post per pass over the sockets, not one
    // each (every post found the loop asleep and cost it a wake-up).
    std::vector<Answer> ready;
    bool hand_over_posted = false;
    std::thread thread;
  };
  // Each thread's part of the limits; threads beyond max_transfers get none.
  static std::vector<std::optional<CurlLimits>> split(const CurlLimits& limits, std::size_t n);
  void run(Shard& shard, const std::string& name);
  void stopAll();                         // drops what is in flight and joins the threads started
  void answered(Shard& shard, Answer a);  // on shard.thread
  void handOver(Shard& shard);            // on shard.thread
  void tell(Shard& shard, std::vector<Answer> answers,
            const std::shared_ptr<bool>& alive);  // at home

  boost::asio::io_context& home_;
  std::size_t max_open_ = 0;  // the home thread's copy of the limits' max_transfers
  // The home thread's: a callback of an older generation was cancelled.
  std::uint64_t generation_ = 0;
  std::size_t in_flight_ = 0;
  // A callback posted home after this object is gone must not run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace pw
