#include "net/threaded_http_client.h"

#include "common/log.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <exception>
#include <iterator>
#include <utility>
#include <vector>

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
                   done = std::move(done), generation = generation_]() mutable {
    curl_->send(std::move(request), [this, prepare = std::move(prepare), done = std::move(done),
                                     generation](Result<HttpResponse> r) mutable {
      std::exception_ptr failed;
      if (prepare) {
        try {
          prepare(r);
        } catch (...) {
          failed = std::current_exception();
        }
      }
      answered({std::move(done), generation, failed, std::move(r)});
    });
  });
}

void ThreadedHttpClient::answered(Answer a) {
  ready_.push_back(std::move(a));
  if (hand_over_posted_) return;
  hand_over_posted_ = true;
  // Behind the handlers already queued here: the answers of this pass over
  // the sockets go home together.
  asio::post(io_, [this] { handOver(); });
}

void ThreadedHttpClient::handOver() {
  hand_over_posted_ = false;
  asio::post(home_, [this, answers = std::exchange(ready_, {}), alive = alive_]() mutable {
    if (*alive) tell(std::move(answers), alive);
  });
}

void ThreadedHttpClient::tell(std::vector<Answer> answers, const std::shared_ptr<bool>& alive) {
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& a = answers[i];
    if (a.generation != generation_) continue;  // cancelled meanwhile
    --in_flight_;
    if (a.failed) {
      // Thrown on the loop as if the decode had run there; the answers
      // behind it are told in a handler of their own.
      if (i + 1 < answers.size()) {
        std::vector<Answer> rest(std::make_move_iterator(answers.begin() + i + 1),
                                 std::make_move_iterator(answers.end()));
        asio::post(home_, [this, rest = std::move(rest), alive]() mutable {
          if (*alive) tell(std::move(rest), alive);
        });
      }
      std::rethrow_exception(a.failed);
    }
    a.done(std::move(a.result));
    if (!*alive) return;  // a callback may have ended the client
  }
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
