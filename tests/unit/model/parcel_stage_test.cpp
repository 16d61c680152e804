#include "model/parcel_stage.h"

#include <gtest/gtest.h>

using namespace pw;

namespace {
Timeline of(std::initializer_list<EventKind> kinds) {
  Timeline t;
  int i = 0;
  for (auto k : kinds) {
    TrackingEvent e;
    e.time = Timestamp(std::chrono::seconds(1000 + i++));
    e.kind = k;
    t.push_back(e);
  }
  return t;
}
}  // namespace

TEST(ParcelStage, FromTheNewestMeaningfulEvent) {
  EXPECT_EQ(stageOf({}), ParcelStage::awaiting_pickup);
  EXPECT_EQ(stageOf(of({EventKind::info_received})), ParcelStage::awaiting_pickup);
  EXPECT_EQ(stageOf(of({EventKind::picked_up, EventKind::arrived_hub})), ParcelStage::in_transit);
  EXPECT_EQ(stageOf(of({EventKind::picked_up, EventKind::out_for_delivery})),
            ParcelStage::out_for_delivery);
  EXPECT_EQ(stageOf(of({EventKind::out_for_delivery, EventKind::stored_for_pickup})),
            ParcelStage::awaiting_collection);
  EXPECT_EQ(stageOf(of({EventKind::out_for_delivery, EventKind::signed_})), ParcelStage::delivered);
  EXPECT_EQ(stageOf(of({EventKind::refused})), ParcelStage::returning);
  EXPECT_EQ(stageOf(of({EventKind::returning, EventKind::returned})), ParcelStage::returned);
  // A problem note says nothing about where the parcel is.
  EXPECT_EQ(stageOf(of({EventKind::picked_up, EventKind::problem})), ParcelStage::in_transit);
  EXPECT_EQ(stageOf(of({EventKind::picked_up}), true), ParcelStage::delivered);
}
