#pragma once
// The one seam between the core and the network: carrier codecs build an
// HttpRequest value and parse an HttpResponse value; an HttpClient (curl in the
// daemon) moves them. Nothing above lib/net sees a socket.
#include "common/result.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pw {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  /// Whole-exchange limit for this request when shorter than the client's own
  /// (a notification sink's `timeout`); unset: the client's.
  std::optional<std::chrono::milliseconds> timeout;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;
  std::chrono::milliseconds elapsed{0};
};

class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;
  virtual ~HttpClient() = default;
  /// Starts the request; `done` is called exactly once, on the client's
  /// executor, with a response (any HTTP status) or a transport error.
  virtual void send(HttpRequest request, Callback done) = 0;
  /// Work that needs nothing but the answer (decoding it), run on the thread
  /// that received it before `done` is called: a client on a thread of its own
  /// spares the caller's loop a wake-up and a hand-off per answer. An exception
  /// it throws is thrown again on the client's executor instead of `done`.
  using Prepare = std::function<void(const Result<HttpResponse>&)>;
  virtual void send(HttpRequest request, Prepare prepare, Callback done) {
    send(std::move(request),
         [prepare = std::move(prepare), done = std::move(done)](Result<HttpResponse> r) {
           prepare(r);
           done(std::move(r));
         });
  }
  /// Abandons every request in flight; their callbacks are not called.
  virtual void cancelAll() = 0;
  virtual size_t inFlight() const = 0;
  /// Requests the client keeps open at once, holding the others until one
  /// ends (0: it opens every request at once).
  virtual size_t maxOpen() const { return 0; }
};

}  // namespace pw
