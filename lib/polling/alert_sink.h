#pragma once
// Where alert records go (the JSON-lines alert log in the daemon, a vector in
// tests). emit() returns false when the line could not be written, so the
// caller keeps the task marked unalerted and tries again later.
#include <boost/json/object.hpp>

namespace pw {

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual bool emit(const boost::json::object& record) = 0;
};

}  // namespace pw
