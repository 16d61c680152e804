#pragma once
// parcelwatchctl follow: the cluster's alert events from the outbox, as JSON lines.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pw::ctl {

struct FollowOptions {
  std::string socket;
  std::chrono::milliseconds timeout{10000};  // per request
  /// Print events with seq > from; none: only events committed from now on.
  std::optional<std::int64_t> from;
  /// Stop after this many events.
  std::optional<std::int64_t> limit;
  /// Print what is there and stop instead of waiting for more.
  bool once = false;
};

/// Prints each event as its alert-log line with "seq" added, in seq order, until stopped
/// (SIGINT, SIGTERM, a closed stdout: exit 0), caught up with `once`, or `limit` reached. A
/// daemon that goes away is waited for, and printing resumes after the last seq printed.
int follow(const FollowOptions& options);

}  // namespace pw::ctl
