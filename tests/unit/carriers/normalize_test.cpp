// normalizeTimeline's order: oldest first, events at one time in the order
// the carrier listed them, whichever order the carrier sent.
#include "carriers/normalize.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace pw;
using namespace std::chrono;

namespace {

TrackingEvent at(int minute, std::string text) {
  TrackingEvent e;
  e.time = Timestamp(sys_days(year{2026} / 11 / 2)) + minutes(minute);
  e.description = std::move(text);
  e.kind = EventKind::in_transit;
  return e;
}

std::vector<std::string> texts(const std::vector<TrackingEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.description);
  return out;
}

}  // namespace

TEST(NormalizeTimeline, NewestFirstComesOutOldestFirst) {
  std::vector<TrackingEvent> events{at(30, "c"), at(20, "b"), at(10, "a")};
  normalizeTimeline(events);
  EXPECT_EQ(texts(events), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(NormalizeTimeline, EqualTimesKeepTheCarriersOrderInANewestFirstList) {
  // Not strictly newest first: a reversal would swap b1 and b2.
  std::vector<TrackingEvent> events{at(30, "c"), at(20, "b1"), at(20, "b2"), at(10, "a")};
  normalizeTimeline(events);
  EXPECT_EQ(texts(events), (std::vector<std::string>{"a", "b1", "b2", "c"}));
}

TEST(NormalizeTimeline, OldestFirstAndMixedOrdersAreSorted) {
  std::vector<TrackingEvent> sorted{at(10, "a"), at(20, "b"), at(30, "c")};
  normalizeTimeline(sorted);
  EXPECT_EQ(texts(sorted), (std::vector<std::string>{"a", "b", "c"}));
  std::vector<TrackingEvent> mixed{at(20, "b"), at(30, "c"), at(10, "a"), at(20, "b2")};
  normalizeTimeline(mixed);
  EXPECT_EQ(texts(mixed), (std::vector<std::string>{"a", "b", "b2", "c"}));
}
