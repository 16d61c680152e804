#include "net/threaded_http_client.h"

#include "common/log.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <exception>

#include <pthread.h>

namespace pw {
namespace asio = boost::asio;

ThreadedHttpClient::ThreadedHttpClient(asio::io_context& home, CurlLimits limits)
    : home_(home),
      work_(asio::make_work_guard(io_)),
      max_open_(limits.max_transfers),
      curl_(std::make_unique<CurlHttpClient>(io_, std::move(limits))),
      thread_([this] { run(); }) {}

void ThreadedHttpClient::run() {
  pthread_setname_np(pthread_self(), "pw-http");
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {  // a bug: the client reports its errors per request
      subsystemLogger("poll")->error("HTTP_THREAD_ERROR error=\"{}\"", e.what());
    }
  }
}

ThreadedHttpClient::~ThreadedHttpClient() {
  *alive_ = false;
  // curl's handles and sockets are released on the thread that used them.
  asio::post(io_, [this] {
    curl_->cancelAll();
    curl_.reset();
    io_.stop();
  });
  work_.reset();
  thread_.join();
}

void ThreadedHttpClient::send(HttpRequest request, Callback done) {
  send(std::move(request), nullptr, std::move(done));
}

void ThreadedHttpClient::send(HttpRequest request, Prepare prepare, Callback done) {
  ++in_flight_;
  asio::post(io_, [this, request = std::move(request), prepare = std::move(prepare),
                   done = std::move(done), generation = generation_, alive = alive_]() mutable {
    curl_->send(std::move(request),
                [this, prepare = std::move(prepare), done = std::move(done), generation,
                 alive = std::move(alive)](Result<HttpResponse> r) mutable {
                  std::exception_ptr failed;
                  if (prepare) {
                    try {
                      prepare(r);
                    } catch (...) {
                      failed = std::current_exception();
                    }
                  }
                  asio::post(home_, [this, done = std::move(done), generation,
                                     alive = std::move(alive), failed, r = std::move(r)]() mutable {
                    if (!*alive || generation != generation_) return;  // cancelled meanwhile
                    --in_flight_;
                    if (failed) std::rethrow_exception(failed);
                    done(std::move(r));
                  });
                });
  });
}

void ThreadedHttpClient::cancelAll() {
  ++generation_;
  in_flight_ = 0;
  asio::post(io_, [this] { curl_->cancelAll(); });
}

void ThreadedHttpClient::setLimits(CurlLimits limits) {
  max_open_ = limits.max_transfers;
  asio::post(io_,
             [this, limits = std::move(limits)]() mutable { curl_->setLimits(std::move(limits)); });
}

}  // namespace pw
