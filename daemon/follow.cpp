// The follow loop: pages of outbox-read, one request each (the daemon answers each from one
// indexed read), a pause when caught up. The last printed seq is the only state, so a restart
// of the daemon, or of this client with --from, loses nothing and repeats nothing.
#include "follow.h"

#include "control/control_client.h"

#include <boost/json.hpp>

#include <poll.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

namespace pw::ctl {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kPage = 500;
constexpr auto kIdlePause = 300ms;
constexpr auto kFirstRetry = 250ms;
constexpr auto kMaxRetry = 5s;

volatile sig_atomic_t stopRequested = 0;

void onStopSignal(int) { stopRequested = 1; }

void installSignals() {
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A reader that went away (`| head`) shows as a failed write, which ends the loop quietly.
  signal(SIGPIPE, SIG_IGN);
}

// A pipe whose reader has gone (`| head` done) reports an error on our end: seen while idle,
// so follow ends then rather than at the next event, which may be hours away.
bool stdoutGone() {
  pollfd p{STDOUT_FILENO, 0, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

// Sleeps in slices so a signal ends the wait promptly; false when asked to stop.
bool pause(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stopRequested && !stdoutGone() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(50ms, d));
  return !stopRequested && !stdoutGone();
}

std::string resumePoint(const std::optional<std::int64_t>& last) {
  return last ? "after seq " + std::to_string(*last) : "at the newest event";
}

int exitFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::not_found:
      return EX_UNAVAILABLE;
    case ErrorCode::transient:
      return EX_TEMPFAIL;
    case ErrorCode::permission:
      return EX_NOPERM;
    default:
      return EX_PROTOCOL;
  }
}

// The alert-log line with "seq" first, so a consumer can store it to resume from.
std::string lineWithSeq(const json::object& event) {
  json::object out{{"seq", event.at("seq")}};
  if (const auto* line = event.if_contains("line"); line && line->is_object())
    for (const auto& kv : line->get_object()) out[kv.key()] = kv.value();
  return json::serialize(out);
}

}  // namespace

int follow(const FollowOptions& o) {
  installSignals();
  std::optional<std::int64_t> last = o.from;
  std::int64_t printed = 0;
  auto retry = kFirstRetry;
  bool down = false;
  while (!stopRequested) {
    json::object args;
    std::int64_t want = kPage;
    if (last) {
      if (o.limit) want = std::min(want, *o.limit - printed);
      args = {{"after", *last}, {"limit", want}};
    }
    auto answer = control::call(o.socket, {"outbox-read", std::move(args)}, o.timeout);
    if (!answer) {
      if (o.once || answer.error().code == ErrorCode::permission) {
        std::cerr << "parcelwatchctl: " << answer.error().message << "\n";
        return exitFor(answer.error());
      }
      if (!down)
        std::cerr << "parcelwatchctl follow: " << answer.error().message << "; retrying, will "
                  << "resume " << resumePoint(last) << "\n";
      down = true;
      if (!pause(retry)) break;
      retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
      continue;
    }
    if (down)
      std::cerr << "parcelwatchctl follow: reconnected, resuming " << resumePoint(last) << "\n";
    down = false;
    retry = kFirstRetry;
    if (answer->result != control::kSuccess) {
      std::cerr << "error: " << answer->text << "\n";
      return answer->result == control::kDenied ? EX_NOPERM : 1;
    }
    const auto& data = answer->arguments.as_object();
    if (!last) {
      last = data.at("head").to_number<std::int64_t>();
      continue;
    }
    const auto& events = data.at("events").as_array();
    for (const auto& e : events) {
      std::cout << lineWithSeq(e.as_object()) << "\n";
      last = e.as_object().at("seq").to_number<std::int64_t>();
      ++printed;
    }
    std::cout.flush();
    if (!std::cout) return 0;  // stdout closed: the reader has what it wanted
    if (o.limit && printed >= *o.limit) return 0;
    if (static_cast<std::int64_t>(events.size()) == want) continue;  // more may be waiting
    if (o.once) return 0;
    if (!pause(kIdlePause)) break;
  }
  return 0;
}

}  // namespace pw::ctl
