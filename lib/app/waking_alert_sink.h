#pragma once
// The alert log with a bell: every alert line the poll pipeline writes comes
// from a commit that also wrote the outbox, so it is the moment to wake the
// notification sinks (they read the committed rows, not this line).
#include "polling/alert_sink.h"

#include <functional>
#include <utility>

namespace pw {

class WakingAlertSink final : public AlertSink {
 public:
  WakingAlertSink(AlertSink& inner, std::function<void()> wake)
      : inner_(inner), wake_(std::move(wake)) {}
  bool emit(const boost::json::object& record) override {
    wake_();
    return inner_.emit(record);
  }
  bool emitLine(std::string line) override {
    wake_();
    return inner_.emitLine(std::move(line));
  }
  bool emitLines(std::vector<std::string> lines) override {
    wake_();
    return inner_.emitLines(std::move(lines));
  }
  bool retry() override { return inner_.retry(); }

 private:
  AlertSink& inner_;
  std::function<void()> wake_;
};

}  // namespace pw
