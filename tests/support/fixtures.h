#pragma once
// Small shared helpers: a hand-driven clock, parcel and history builders in
// Kuaidi100's format, and deadline-bounded waits.
#include "common/clock.h"
#include "model/parcel.h"
#include "model/tracking_event.h"
#include "support/printers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace pw::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_(start) {}
  Timestamp now() const override { return now_; }
  void set(Timestamp t) { now_ = t; }
  void advance(Seconds d) { now_ += d; }

 private:
  Timestamp now_;
};

/// 2024-05-06T12:00:00Z and friends, for readable tests.
Timestamp at(const std::string& rfc3339);

/// The i-th hub arrival of a made-up trunk leg, a minute apart from
/// 2024-05-01 (distinct texts, so each is a new event).
TrackingEvent hubScan(int i);

Parcel sampleParcel(const std::string& trackingNumber = "YT1234567890123",
                    const std::string& shippedAt = "2024-05-01T02:00:00Z");

struct K100Event {
  std::string time;  // local, "2024-05-01 10:00:00"
  std::string context;
  std::string statusCode = "";
  std::string areaName = "";
};

/// A Kuaidi100 query answer, newest event first as the real service sends it.
std::string kuaidi100Body(const std::string& num, const std::vector<K100Event>& oldestFirst,
                          const std::string& state = "0", const std::string& com = "yuantong");

/// Polls `condition` every 10 ms until true or `timeout`.
::testing::AssertionResult waitFor(const std::function<bool()>& condition,
                                   std::chrono::milliseconds timeout, const std::string& what);

}  // namespace pw::test
