#pragma once
// Where alert records go (the JSON-lines alert log in the daemon, a vector in
// tests). A line that cannot be written now is kept, in order, and written by
// a later emit() or retry(): emit() returns false then, so the caller leaves
// the task unalerted in the store until retry() says everything is written
// (and a restart in between replays it: a line may repeat, never vanish).
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace pw {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  /// True when the line (and every line kept before it) is written.
  virtual bool emit(const boost::json::object& record) = 0;
  /// The same for a record already serialised (without the newline), as the
  /// store wrote it to the outbox: the log gets those bytes, not a second
  /// serialisation of the same record.
  virtual bool emitLine(std::string line) { return emit(boost::json::parse(line).as_object()); }
  /// emitLine() for several lines, in order; true when the last (and so
  /// every one before it) is written. The alert log writes them in one system
  /// call: a line each was a write a poll on the event loop.
  virtual bool emitLines(std::vector<std::string> lines) {
    if (lines.empty()) return retry();
    bool ok = true;
    for (auto& line : lines) ok = emitLine(std::move(line));
    return ok;
  }
  /// Writes kept lines; true when none are left.
  virtual bool retry() { return true; }
};

}  // namespace pw
