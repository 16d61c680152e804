#include "carriers/carrier_registry.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

using namespace pw;

TEST(CarrierRegistry, DefaultAndCrossBorderRouting) {
  CarrierRegistry r;
  r.add(std::make_shared<Kuaidi100Codec>(Kuaidi100Settings{}));
  r.add(std::make_shared<SeventeenTrackCodec>(SeventeenTrackSettings{}));
  EXPECT_EQ(r.codecFor(test::sampleParcel("YT7400000000001"))->name(), "kuaidi100");
  EXPECT_EQ(r.codecFor(test::sampleParcel("LX123456785CN"))->name(), "kuaidi100");
  r.setCrossBorder("17track");
  EXPECT_EQ(r.codecFor(test::sampleParcel("LX123456785CN"))->name(), "17track");
  EXPECT_EQ(r.codecFor(test::sampleParcel("YT7400000000001"))->name(), "kuaidi100");
  r.setDefault("kuaidiniao");  // not added
  EXPECT_EQ(r.codecFor(test::sampleParcel("YT7400000000001")), nullptr);
}
