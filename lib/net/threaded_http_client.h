#pragma once
// A CurlHttpClient on a thread of its own, for the poll path: curl's work per
// transfer (the connection cache, the request's headers, its send and
// receive) was a third of the event loop's time under load, and the loop
// was the thread the poll rate waited on. The callbacks still run on the
// caller's io_context, as HttpClient promises, so the poll loop, the
// scheduler and the store see no other thread.
#include "net/curl_http_client.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

namespace pw {

class ThreadedHttpClient final : public HttpClient {
 public:
  /// Callbacks are posted to `home`; every call is made from its thread.
  ThreadedHttpClient(boost::asio::io_context& home, CurlLimits limits);
  /// Drops what is in flight (no callback) and joins the thread.
  ~ThreadedHttpClient() override;
  ThreadedHttpClient(const ThreadedHttpClient&) = delete;
  ThreadedHttpClient& operator=(const ThreadedHttpClient&) = delete;

  void send(HttpRequest request, Callback done) override;
  void send(HttpRequest request, Prepare prepare, Callback done) override;
  void cancelAll() override;
  size_t inFlight() const override { return in_flight_; }
  size_t maxOpen() const override { return max_open_; }
  void setLimits(CurlLimits limits);

 private:
  // An answer, decoded on the client's thread, on its way home.
  struct Answer {
    Callback done;
    std::uint64_t generation = 0;
    std::exception_ptr failed;  // what `prepare` threw
    Result<HttpResponse> result;
  };
  void run();
  void answered(Answer a);                                                     // on thread_
  void handOver();                                                             // on thread_
  void tell(std::vector<Answer> answers, const std::shared_ptr<bool>& alive);  // at home

  boost::asio::io_context& home_;
  // curl's, run by thread_ alone. The hint (one thread) lets what curl's
  // handlers post to it skip the lock and the reactor's wake-up, an
  // epoll_ctl for most queries otherwise; posts from the home thread still
  // take the lock.
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::size_t max_open_ = 0;              // the home thread's copy of the limits' max_transfers
  std::unique_ptr<CurlHttpClient> curl_;  // touched on thread_ only once it runs
  // The home thread's: a callback of an older generation was cancelled.
  std::uint64_t generation_ = 0;
  std::size_t in_flight_ = 0;
  // A callback posted home after this object is gone must not run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // thread_'s: answers go home one post per pass over the sockets, not one
  // each (every post found the loop asleep and cost it a wake-up).
  std::vector<Answer> ready_;
  bool hand_over_posted_ = false;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace pw
