// Design (after curl's multi-uv.c and Asio's third_party_lib.cpp; curl's own
// asiohiper.cpp was removed for the bugs avoided here):
//  - CURLMOPT_SOCKETFUNCTION keeps one Watch per fd curl names, including fds
//    it did not open through us (the threaded resolver's socketpair). The
//    stream_descriptor never owns the fd: we release(), never close().
//  - Waits are re-armed after every action while curl still wants the event,
//    and each wait handler holds a shared_ptr to its Watch and returns at once
//    if the Watch died meanwhile (curl issue #5090's use-after-free).
//  - CURLMOPT_TIMERFUNCTION never calls back into curl: a zero timeout is
//    posted, others arm one steady_timer.
//  - C callbacks are noexcept; completions are read with curl_multi_info_read,
//    the easy handle is removed before the user's callback runs.
//  - A connection socket (opened through CURLOPT_OPENSOCKETFUNCTION) stays
//    registered with the reactor while curl keeps it idle in its cache, and
//    is closed through CURLOPT_CLOSESOCKETFUNCTION: registering and removing
//    it for every transfer cost two epoll_ctl calls a poll. Its waits are
//    cancelled when curl stops watching it, and a generation count makes the
//    cancelled waits' handlers stale, so a new transfer's wait is never lost.
#include "net/curl_http_client.h"

#include "common/free_memory.h"

#include <curl/curl.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace pw {
namespace asio = boost::asio;

namespace {

// Answers this large are followed by releaseFreeMemory (see deliver()).
constexpr std::size_t kTrimAfterBytes = 256 * 1024;

// What curl sends as the Content-Type of a POST of fields when none is given.
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

// Idle easy handles kept (EasyPool): more than a poll round keeps in flight.
constexpr std::size_t kIdleEasyHandles = 64;

// curl_global_init is not thread-safe; do it once per process.
void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Easy handles kept for the next transfers: curl_easy_init allocates and
// clears a handle and its buffers, and curl_easy_cleanup tears them down, for
// every query (8 % of the HTTP client's instructions in a poll round).
// curl_easy_reset sets every option back to its default (a transfer never sees
// the last one's) and keeps what a handle caches. Bounded: handles beyond the
// bound are freed, so a burst leaves nothing behind.
class EasyPool {
 public:
  explicit EasyPool(std::size_t bound) : bound_(bound) { idle_.reserve(bound_); }
  EasyPool(const EasyPool&) = delete;
  EasyPool& operator=(const EasyPool&) = delete;
  ~EasyPool() {
    for (CURL* e : idle_) curl_easy_cleanup(e);
  }

  CURL* take() {
    if (idle_.empty()) return curl_easy_init();
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
  }

  void give(CURL* e) noexcept {
    if (idle_.size() >= bound_) {
      curl_easy_cleanup(e);
      return;
    }
    curl_easy_reset(e);
    idle_.push_back(e);  // never reallocates: reserved up to the bound
  }

 private:
  std::size_t bound_;
  std::vector<CURL*> idle_;
};

struct Transfer {
  explicit Transfer(EasyPool& pool) : pool(pool), easy(pool.take()) {}
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  EasyPool& pool;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpClient::Callback done;
  std::string body;
  std::size_t max_body = 0;
  bool too_large = false;
  std::chrono::steady_clock::time_point started;

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (easy) pool.give(easy);
  }
};

size_t onWrite(char* data, size_t size, size_t count, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->body.size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  try {
    t->body.append(data, n);
  } catch (...) {
    return 0;
  }
  return n;
}

}  // namespace

class CurlHttpClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, CurlLimits limits)
      : io_(io), timer_(io), limits_(std::move(limits)), easy_pool_(kIdleEasyHandles) {
    globalInit();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::onSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::onTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    applyConnectionCache();
  }

  ~Impl() {
    cancelAll();
    // curl closes its cached connections in curl_multi_cleanup; let go of the
    // fds first so Asio neither closes them nor keeps them registered.
    for (auto& [fd, w] : watches_) {
      w->dead = true;
      boost::system::error_code ignored;
      w->sd.cancel(ignored);
      w->sd.release();
    }
    watches_.clear();
    curl_multi_cleanup(multi_);
  }

  void send(HttpRequest request, Callback done) {
    if (limits_.max_transfers > 0 && transfers_.size() >= limits_.max_transfers) {
      waiting_.push_back({std::move(request), std::move(done)});
      return;
    }
    start(std::move(request), std::move(done));
  }

  void start(HttpRequest request, Callback done) {
    auto t = std::make_unique<Transfer>(easy_pool_);
    if (!t->easy) {
      fail(std::move(done), makeError(ErrorCode::internal, "curl_easy_init failed"));
      return;
    }
    t->request = std::move(request);
    t->done = std::move(done);
    t->max_body = limits_.max_body_bytes;
    t->started = std::chrono::steady_clock::now();
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(limits_.connect_timeout.count()));
    auto total = limits_.total_timeout;
    if (t->request.timeout && *t->request.timeout < total) total = *t->request.timeout;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    // A server that trickles bytes is as bad as one that sends nothing.
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits_.max_body_bytes));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_USERAGENT, limits_.user_agent.c_str());
    // gzip alone: every carrier API serves it, and curl formats the header twice at every query,
    // a character at a time ("" would list deflate, br and zstd too).
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::onOpenSocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Impl::onCloseSocket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    if (t->request.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.body.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t->request.body.size()));
    }
    // A POST of form fields gets this very type from curl itself, copied from a constant. Given
    // as a header of ours, it went through curl's printf a character at a time, and curl then
    // searched the list of our headers for each header of its own (5 k instructions a query).
    if (!t->request.content_type.empty() &&
        !(t->request.method == "POST" && t->request.content_type == kFormType))
      t->headers =
          curl_slist_append(t->headers, ("Content-Type: " + t->request.content_type).c_str());
    for (const auto& [k, v] : t->request.headers)
      t->headers = curl_slist_append(t->headers, (k + ": " + v).c_str());
    if (t->headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);

    CURLMcode rc = curl_multi_add_handle(multi_, e);
    if (rc != CURLM_OK) {
      auto cb = std::move(t->done);
      fail(std::move(cb), makeError(ErrorCode::internal, std::string("curl_multi_add_handle: ") +
                                                             curl_multi_strerror(rc)));
      return;
    }
    transfers_.emplace(e, std::move(t));
  }

  void cancelAll() {
    waiting_.clear();
    for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_, easy);
    transfers_.clear();
    timer_.cancel();
    armed_.reset();
    wanted_.reset();
  }

  size_t inFlight() const { return transfers_.size() + waiting_.size(); }
  size_t maxOpen() const { return limits_.max_transfers; }
  void setLimits(CurlLimits limits) {
    limits_ = std::move(limits);
    applyConnectionCache();
    startWaiting();
  }

 private:
  // One per fd curl asked us to watch.
  struct Watch {
    explicit Watch(asio::io_context& io, curl_socket_t fd) : sd(io, fd), fd(fd) {}
    asio::posix::stream_descriptor sd;
    curl_socket_t fd;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool dead = false;
    bool connection = false;  // opened by onOpenSocket: kept while idle
    unsigned generation = 0;  // waits of an older generation were cancelled
  };

  // curl's default cache (four connections per transfer in progress) shrinks
  // as the transfers in flight ebb between rounds, closing connections a
  // moment before new ones are opened: a fifth of polls paid a connect and
  // its dozen system calls (perf stat during bench_load).
  void applyConnectionCache() {
    if (limits_.max_idle_connections > 0)
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, limits_.max_idle_connections);
  }

  static int onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) noexcept {
    auto* self = static_cast<Impl*>(userp);
    try {
      self->updateWatch(fd, what);
    } catch (...) {
      return -1;
    }
    return 0;
  }

  static curl_socket_t onOpenSocket(void* userp, curlsocktype, curl_sockaddr* addr) noexcept {
    auto* self = static_cast<Impl*>(userp);
    curl_socket_t fd = ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd == CURL_SOCKET_BAD) return fd;
    try {
      self->connections_.insert(fd);
    } catch (...) {
      ::close(fd);
      return CURL_SOCKET_BAD;
    }
    return fd;
  }

  static int onCloseSocket(void* userp, curl_socket_t fd) noexcept {
    auto* self = static_cast<Impl*>(userp);
    self->connections_.erase(fd);
    if (auto it = self->watches_.find(fd); it != self->watches_.end()) {
      auto w = it->second;
      self->watches_.erase(it);
      w->dead = true;
      boost::system::error_code ec;
      w->sd.cancel(ec);
      // Closing leaves the epoll set without an epoll_ctl of its own.
      w->sd.close(ec);
      return ec ? 1 : 0;
    }
    return ::close(fd) == 0 ? 0 : 1;
  }

  // curl moves its deadline at nearly every transfer (1.4 calls a query:
  // each read re-arms a transfer's speed check a second ahead), and arming
  // the reactor's timer for each was a timerfd_settime a query on the HTTP
  // thread. A deadline later than the one armed is only noted: the timer
  // fires early, and then waits on to what curl asked for last. curl's
  // timeouts are never late; a few are seen early, which costs a wake-up a
  // second, not a system call a query.
  static int onTimer(CURLM*, long timeoutMs, void* userp) noexcept {
    auto* self = static_cast<Impl*>(userp);
    try {
      self->wanted_.reset();
      if (timeoutMs < 0) return 0;  // an armed timer finds nothing wanted
      if (timeoutMs == 0) {
        // Never call back into curl from inside its own callback.
        std::weak_ptr<Impl> weak = self->weak_from_this();
        asio::post(self->io_, [weak] {
          if (auto s = weak.lock()) s->onTimeout();
        });
        return 0;
      }
      auto at = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
      self->wanted_ = at;
      if (!self->armed_ || *self->armed_ > at) self->armTimer(at);
    } catch (...) {
      return -1;
    }
    return 0;
  }

  void armTimer(std::chrono::steady_clock::time_point at) {
    armed_ = at;
    timer_.expires_at(at);  // cancels the wait armed before, whose handler sees it
    std::weak_ptr<Impl> weak = weak_from_this();
    timer_.async_wait([weak](boost::system::error_code ec) {
      if (ec) return;
      if (auto s = weak.lock()) s->onTimerFired();
    });
  }

  void onTimerFired() {
    armed_.reset();
    if (!wanted_) return;
    if (*wanted_ > std::chrono::steady_clock::now()) {
      armTimer(*wanted_);
      return;
    }
    wanted_.reset();
    onTimeout();
  }

  void updateWatch(curl_socket_t fd, int what) {
    auto it = watches_.find(fd);
    if (what == CURL_POLL_REMOVE) {
      if (it != watches_.end() && it->second->connection) {
        // Idle in curl's cache: stay registered until onCloseSocket.
        auto& w = *it->second;
        ++w.generation;
        w.wanted = 0;
        w.reading = w.writing = false;
        boost::system::error_code ignored;
        w.sd.cancel(ignored);
      } else if (it != watches_.end()) {
        auto w = it->second;
        w->dead = true;
        boost::system::error_code ignored;
        w->sd.cancel(ignored);
        w->sd.release();  // curl owns the fd
        watches_.erase(it);
      }
      return;
    }
    std::shared_ptr<Watch> w;
    if (it == watches_.end()) {
      w = std::make_shared<Watch>(io_, fd);
      w->connection = connections_.count(fd) > 0;
      watches_.emplace(fd, w);
    } else {
      w = it->second;
    }
    w->wanted = what;
    arm(w);
  }

  void arm(const std::shared_ptr<Watch>& w) {
    if (w->dead) return;
    std::weak_ptr<Impl> weak = weak_from_this();
    unsigned gen = w->generation;
    if ((w->wanted & CURL_POLL_IN) && !w->reading) {
      w->reading = true;
      w->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                       [weak, w, gen](boost::system::error_code ec) {
                         if (w->generation != gen) return;  // cancelled while idle
                         w->reading = false;
                         auto s = weak.lock();
                         if (!s || w->dead || ec == asio::error::operation_aborted) return;
                         s->onReady(w, ec ? CURL_CSELECT_ERR : CURL_CSELECT_IN, CURL_POLL_IN);
                       });
    }
    if ((w->wanted & CURL_POLL_OUT) && !w->writing) {
      w->writing = true;
      w->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                       [weak, w, gen](boost::system::error_code ec) {
                         if (w->generation != gen) return;
                         w->writing = false;
                         auto s = weak.lock();
                         if (!s || w->dead || ec == asio::error::operation_aborted) return;
                         s->onReady(w, ec ? CURL_CSELECT_ERR : CURL_CSELECT_OUT, CURL_POLL_OUT);
                       });
    }
  }

  void onReady(const std::shared_ptr<Watch>& w, int select, int event) {
    int running = 0;
    curl_multi_socket_action(multi_, w->fd, select, &running);
    drainCompletions();
    // Keep watching while curl still wants this event (curl issue #1191).
    if (!w->dead && (w->wanted & event)) arm(w);
  }

  void onTimeout() {
    int running = 0;
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    drainCompletions();
  }

  void drainCompletions() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;  // read before removal invalidates msg
      auto it = transfers_.find(easy);
      curl_multi_remove_handle(multi_, easy);
      if (it == transfers_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers_.erase(it);
      // The next request goes out before this answer is handed on: curl
      // sends it on the connection just freed at the next turn, without a
      // round trip through the caller's thread.
      startWaiting();
      complete(*t, code);
    }
  }

  void startWaiting() {
    while (!waiting_.empty() &&
           (limits_.max_transfers == 0 || transfers_.size() < limits_.max_transfers)) {
      Waiting w = std::move(waiting_.front());
      waiting_.pop_front();
      start(std::move(w.request), std::move(w.done));
    }
  }

  void complete(Transfer& t, CURLcode code) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t.started);
    if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      fail(std::move(t.done),
           makeError(ErrorCode::carrier, "response larger than " + std::to_string(t.max_body) +
                                             " bytes from " + t.request.url));
      return;
    }
    if (code != CURLE_OK) {
      ErrorCode kind = ErrorCode::transient;
      fail(std::move(t.done),
           makeError(kind, std::string(curl_easy_strerror(code)) + " (" + t.request.url + ")"));
      return;
    }
    HttpResponse r;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
    curl_off_t retryAfter = 0;
    // 7.88 can report a negative value for a date in the past: clamp it.
    if (curl_easy_getinfo(t.easy, CURLINFO_RETRY_AFTER, &retryAfter) == CURLE_OK && retryAfter > 0)
      r.retry_after = std::chrono::seconds(std::min<curl_off_t>(retryAfter, 24 * 3600));
    r.body = std::move(t.body);
    r.elapsed = elapsed;
    deliver(std::move(t.done), std::move(r));
  }

  // Callbacks run after the current curl call has returned, never inside it.
  void fail(Callback cb, Error e) {
    asio::post(io_, [cb = std::move(cb), e = std::move(e)]() mutable { cb(std::move(e)); });
  }
  void deliver(Callback cb, HttpResponse r) {
    asio::post(io_, [cb = std::move(cb), r = std::move(r)]() mutable {
      bool large = r.body.size() >= kTrimAfterBytes;
      cb(std::move(r));
      // The answer, its parsed JSON and its events are freed by now, but the
      // allocator keeps freed memory: one 100,000-event answer would leave the
      // daemon ~100 MB larger for good (tests/bench/README.md).
      if (large) releaseFreeMemory();
    });
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  // What timer_ waits for, and the deadline curl asked for last (onTimer).
  std::optional<std::chrono::steady_clock::time_point> armed_, wanted_;
  CurlLimits limits_;
  CURLM* multi_ = nullptr;
  EasyPool easy_pool_;  // before transfers_: their handles go back to it
  std::map<curl_socket_t, std::shared_ptr<Watch>> watches_;
  std::set<curl_socket_t> connections_;  // opened by onOpenSocket, not yet closed
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  struct Waiting {
    HttpRequest request;
    Callback done;
  };
  std::deque<Waiting> waiting_;  // beyond max_transfers; bounded by the callers
};

CurlHttpClient::CurlHttpClient(asio::io_context& io, CurlLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(limits))) {}

CurlHttpClient::~CurlHttpClient() {
  // Pending handlers hold only weak references, so dropping the last strong one is enough.
  impl_->cancelAll();
}

void CurlHttpClient::send(HttpRequest request, Callback done) {
  impl_->send(std::move(request), std::move(done));
}
void CurlHttpClient::cancelAll() { impl_->cancelAll(); }
size_t CurlHttpClient::inFlight() const { return impl_->inFlight(); }
size_t CurlHttpClient::maxOpen() const { return impl_->maxOpen(); }
void CurlHttpClient::setLimits(CurlLimits limits) { impl_->setLimits(std::move(limits)); }

}  // namespace pw
