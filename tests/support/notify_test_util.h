#pragma once
// Small helpers for the notify tests: a hand-set clock, sample events, and a
// bounded wait that runs the io_context while it waits.
#include "notify/alert_event.h"
#include "notify/notify_time.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace pw::test {

class ManualNotifyClock final : public notify::NotifyClock {
 public:
  explicit ManualNotifyClock(notify::TimePoint start) : now_(start) {}
  notify::TimePoint now() const override { return now_; }
  void advance(notify::Millis d) { now_ += d; }

 private:
  notify::TimePoint now_;
};

inline notify::TimePoint epochMs(std::int64_t ms) { return notify::TimePoint(notify::Millis(ms)); }

/// A task_raised event with a marker ("evt-<marker>") at the start of its evidence.
inline notify::AlertEvent sampleEvent(const std::string& trackingNumber, int marker,
                                      ExceptionKind kind = ExceptionKind::stalled) {
  notify::AlertEvent e;
  e.name = notify::AlertEventName::task_raised;
  e.occurred_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  e.tracking_number = trackingNumber;
  e.carrier = "yuantong";
  e.kind = kind;
  e.exception_id = 100 + marker;
  e.task_id = 200 + marker;
  e.detail = "evt-" + std::to_string(marker) + " in transit, no new scan for 2d14h (threshold 2d)";
  e.remedy = Remedy::soothe_and_wait;
  e.reason = "运输途中暂无更新，先安抚买家";
  e.message = {"亲您好，您的包裹运输途中暂无更新，我们已联系快递公司核实，请您耐心等待。",
               "Your parcel has had no update in transit; we are checking with the carrier."};
  e.created_at = e.occurred_at;
  return e;
}

/// Runs `io` until `done()` or the timeout; the failure names `what`.
inline ::testing::AssertionResult runUntil(boost::asio::io_context& io,
                                           const std::function<bool()>& done,
                                           std::chrono::milliseconds timeout,
                                           const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return ::testing::AssertionFailure()
             << "timed out after " << timeout.count() << " ms waiting for " << what;
    io.run_one_for(std::chrono::milliseconds(20));
    if (io.stopped()) io.restart();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace pw::test
