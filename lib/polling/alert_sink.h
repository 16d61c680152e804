#pragma once
// Where alert records go (the JSON-lines alert log in the daemon, a vector in
// tests). A line that cannot be written now is kept, in order, and written by
// a later emit() or retry(): emit() returns false then, so the caller leaves
// the task unalerted in the store until retry() says everything is written
// (and a restart in between replays it: a line may repeat, never vanish).
#include <boost/json/object.hpp>

namespace pw {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  /// True when the line (and every line kept before it) is written.
  virtual bool emit(const boost::json::object& record) = 0;
  /// Writes kept lines; true when none are left.
  virtual bool retry() { return true; }
};

}  // namespace pw
