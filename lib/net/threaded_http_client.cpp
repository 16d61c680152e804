#include "net/threaded_http_client.h"

#include "common/log.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <pthread.h>

namespace pw {
namespace asio = boost::asio;

std::vector<std::optional<CurlLimits>> ThreadedHttpClient::split(const CurlLimits& limits,
                                                                 std::size_t n) {
  // A thread without a transfer of its own sends nothing: the carrier never
  // sees more than max_transfers at once.
  std::size_t used = limits.max_transfers > 0 ? std::min(n, limits.max_transfers) : n;
  std::vector<std::optional<CurlLimits>> out(n);
  auto share = [&](auto total, std::size_t i) {
    using T = decltype(total);
    return total / static_cast<T>(used) + (static_cast<T>(i) < total % static_cast<T>(used));
  };
  for (std::size_t i = 0; i < used; ++i) {
    CurlLimits l = limits;
    // The first threads take the remainders.
    if (limits.max_transfers > 0) l.max_transfers = share(limits.max_transfers, i);
    if (limits.max_idle_connections > 0)
      l.max_idle_connections = std::max(1L, share(limits.max_idle_connections, i));
    out[i] = l;
  }
  return out;
}

ThreadedHttpClient::ThreadedHttpClient(asio::io_context& home, CurlLimits limits, unsigned threads)
    : home_(home), max_open_(limits.max_transfers) {
  std::size_t n = std::max(1u, threads);
  if (limits.max_transfers > 0) n = std::min(n, limits.max_transfers);
  auto parts = split(limits, n);
  for (auto& part : parts) {
    auto s = std::make_unique<Shard>();
    s->curl = std::make_unique<CurlHttpClient>(s->io, std::move(*part));
    shards_.push_back(std::move(s));
  }
  // Started once shards_ is complete: the threads read it.
  try {
    for (std::size_t i = 0; i < n; ++i) {
      std::string name = n == 1 ? "pw-http" : "pw-http-" + std::to_string(i);
      Shard& shard = *shards_[i];
      shard.thread = std::thread([this, &shard, name = std::move(name)] { run(shard, name); });
    }
  } catch (...) {
    stopAll();
    throw;
  }
}

void ThreadedHttpClient::run(Shard& shard, const std::string& name) {
  pthread_setname_np(pthread_self(), name.c_str());
  for (;;) {
    try {
      shard.io.run();
      return;
    } catch (const std::exception& e) {  // a bug: the client reports its errors per request
      subsystemLogger("poll")->error("HTTP_THREAD_ERROR error=\"{}\"", e.what());
    }
  }
}

ThreadedHttpClient::~ThreadedHttpClient() { stopAll(); }

void ThreadedHttpClient::stopAll() {
  *alive_ = false;
  for (auto& s : shards_) {
    // curl's handles and sockets are released on the thread that used them.
    Shard& shard = *s;
    asio::post(shard.io, [&shard] {
      shard.curl->cancelAll();
      shard.curl.reset();
      shard.io.stop();
    });
    shard.work.reset();
  }
  for (auto& s : shards_)
    if (s->thread.joinable()) s->thread.join();
}

void ThreadedHttpClient::send(HttpRequest request, Callback done) {
  send(std::move(request), nullptr, std::move(done));
}

void ThreadedHttpClient::send(HttpRequest request, Prepare prepare, Callback done) {
  // The thread with the fewest requests open: answers come back at the pace
  // each thread keeps, so a slow one gets fewer.
  Shard* least = nullptr;
  for (auto& s : shards_)
    if (s->sending && (!least || s->open < least->open)) least = s.get();
  Shard& shard = *least;
  ++in_flight_;
  ++shard.open;
  asio::post(shard.io, [this, &shard, request = std::move(request), prepare = std::move(prepare),
                        done = std::move(done), generation = generation_]() mutable {
    shard.curl->send(std::move(request),
                     [this, &shard, prepare = std::move(prepare), done = std::move(done),
                      generation](Result<HttpResponse> r) mutable {
                       std::exception_ptr failed;
                       if (prepare) {
                         try {
                           prepare(r);
                         } catch (...) {
                           failed = std::current_exception();
                         }
                       }
                       answered(shard, {std::move(done), generation, failed, std::move(r)});
                     });
  });
}

void ThreadedHttpClient::answered(Shard& shard, Answer a) {
  shard.ready.push_back(std::move(a));
  if (shard.hand_over_posted) return;
  shard.hand_over_posted = true;
  // Behind the handlers already queued here: the answers of this pass over
  // the sockets go home together.
  asio::post(shard.io, [this, &shard] { handOver(shard); });
}

void ThreadedHttpClient::handOver(Shard& shard) {
  shard.hand_over_posted = false;
  asio::post(home_,
             [this, &shard, answers = std::exchange(shard.ready, {}), alive = alive_]() mutable {
               if (*alive) tell(shard, std::move(answers), alive);
             });
}

void ThreadedHttpClient::tell(Shard& shard, std::vector<Answer> answers,
                              const std::shared_ptr<bool>& alive) {
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& a = answers[i];
    if (a.generation != generation_) continue;  // cancelled meanwhile
    --in_flight_;
    --shard.open;
    if (a.failed) {
      // Thrown on the loop as if the decode had run there; the answers
      // behind it are told in a handler of their own.
      if (i + 1 < answers.size()) {
        std::vector<Answer> rest(std::make_move_iterator(answers.begin() + i + 1),
                                 std::make_move_iterator(answers.end()));
        asio::post(home_, [this, &shard, rest = std::move(rest), alive]() mutable {
          if (*alive) tell(shard, std::move(rest), alive);
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
  for (auto& s : shards_) {
    s->open = 0;
    Shard& shard = *s;
    asio::post(shard.io, [&shard] { shard.curl->cancelAll(); });
  }
}

void ThreadedHttpClient::setLimits(CurlLimits limits) {
  max_open_ = limits.max_transfers;
  auto parts = split(limits, shards_.size());
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = *shards_[i];
    shard.sending = parts[i].has_value();
    if (!shard.sending) {
      // Fewer transfers than threads (a reload lowered them): this thread
      // gets nothing new and finishes what it holds one at a time, so the
      // carrier sees at most one request more per such thread meanwhile.
      parts[i] = limits;
      parts[i]->max_transfers = 1;
      parts[i]->max_idle_connections = 1;
    }
    asio::post(shard.io, [&shard, l = std::move(*parts[i])]() mutable {
      shard.curl->setLimits(std::move(l));
    });
  }
}

}  // namespace pw
