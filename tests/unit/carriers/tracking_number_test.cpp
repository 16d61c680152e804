#include "carriers/tracking_number.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace pw;
using ::testing::ElementsAre;

TEST(TrackingNumber, UpuS10CheckDigit) {
  EXPECT_TRUE(isValidS10("RR473124829GB"));  // the UPU S10 standard's own example
  EXPECT_FALSE(isValidS10("RR473124828GB"));
  EXPECT_TRUE(isValidS10("LX123456785CN"));
  EXPECT_FALSE(isValidS10("LX12345678CN"));
  EXPECT_FALSE(isValidS10("lx123456785cn"));
}

TEST(TrackingNumber, CarrierFormats) {
  EXPECT_TRUE(checkTrackingNumber("shunfeng", "SF1234567890123").plausible);
  EXPECT_TRUE(checkTrackingNumber("yuantong", "YT7400000000001").plausible);
  EXPECT_TRUE(checkTrackingNumber("zhongtong", "75312345678901").plausible);
  EXPECT_TRUE(checkTrackingNumber("yunda", "4312345678901").plausible);
  EXPECT_TRUE(checkTrackingNumber("jtexpress", "JT0000000000004").plausible);
  EXPECT_TRUE(checkTrackingNumber("jd", "JDVA12345678901").plausible);
  EXPECT_TRUE(checkTrackingNumber("ems", "LX123456785CN").plausible);
  EXPECT_TRUE(checkTrackingNumber("ems", "1123456789012").plausible);
  EXPECT_TRUE(checkTrackingNumber("unknowncarrier", "whatever").plausible);

  auto bad = checkTrackingNumber("zhongtong", "YT7400000000001");
  EXPECT_FALSE(bad.plausible);
  EXPECT_EQ(bad.reason, "zhongtong numbers are 12, 14 or 15 digits");
  EXPECT_FALSE(checkTrackingNumber("yuantong", "YT12345").plausible);
  EXPECT_FALSE(checkTrackingNumber("ems", "LX123456784CN").plausible);  // bad check digit
}

// Shapes carriers really issue beside today's main one (project-written
// numbers in those shapes): none of them may be called impossible.
TEST(TrackingNumber, OlderAndOtherShapesAreValid) {
  for (auto [carrier, number] : std::initializer_list<std::pair<const char*, const char*>>{
           {"shunfeng", "SF1234567890123"},
           {"shunfeng", "123456789012"},
           {"yuantong", "YT123456789012"},
           {"yuantong", "8012345678"},
           {"yuantong", "881234567890123456"},
           {"yuantong", "201234567890"},
           {"jd", "JDV123456789012"},
           {"jd", "JDX012345678901"},
           {"jd", "VA12345678901"},
           {"jd", "VC1234567890123"},
           {"huitongkuaidi", "70123456789012"},
           {"huitongkuaidi", "A123456789012"},
           {"shentong", "221234567890"},
           {"shentong", "4312345678901234"},
           {"shentong", "773012345678901"},
           {"zhongtong", "781234567890123"},
           {"yunda", "431234567890123"},
           {"jtexpress", "JT123456789012"}})
    EXPECT_TRUE(checkTrackingNumber(carrier, number).plausible) << carrier << " " << number;
}

TEST(TrackingNumber, GuessesPrefixFirst) {
  EXPECT_THAT(guessCarriers("SF1234567890123"), ElementsAre("shunfeng"));
  EXPECT_THAT(guessCarriers("YT7400000000001"), ElementsAre("yuantong"));
  EXPECT_THAT(guessCarriers("JT0000000000004"), ElementsAre("jtexpress"));
  EXPECT_THAT(guessCarriers("75312345678901"), ElementsAre("zhongtong", "huitongkuaidi"));
  // STO's own leading digits rank before a bare length.
  EXPECT_THAT(guessCarriers("773123456789"),
              ElementsAre("shentong", "zhongtong", "huitongkuaidi", "yuantong", "shunfeng"));
  EXPECT_THAT(guessCarriers("LX123456785CN"), ElementsAre("ems", "youzhengguonei"));
  EXPECT_TRUE(guessCarriers("hello").empty());
}
