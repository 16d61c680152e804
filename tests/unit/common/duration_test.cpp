#include "common/duration.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parseDuration("90s").value(), seconds(90));
  EXPECT_EQ(parseDuration("30m").value(), minutes(30));
  EXPECT_EQ(parseDuration("48h").value(), hours(48));
  EXPECT_EQ(parseDuration("3d").value(), hours(72));
  EXPECT_EQ(parseDuration("1d12h").value(), hours(36));
}

TEST(Duration, RejectsWithAReason) {
  EXPECT_EQ(parseDuration("").error().message.find("bad duration ''"), 0u);
  EXPECT_NE(parseDuration("48").error().message.find("missing unit after 48"), std::string::npos);
  EXPECT_NE(parseDuration("2w").error().message.find("unknown unit 'w'"), std::string::npos);
  EXPECT_NE(parseDuration("h").error().message.find("expected a number"), std::string::npos);
  EXPECT_NE(parseDuration("-5m").error().message.find("expected a number"), std::string::npos);
  EXPECT_NE(parseDuration("99999999999999d").error().message.find("too large"), std::string::npos);
  EXPECT_NE(parseDuration("5000d").error().message.find("ten years"), std::string::npos);
}

TEST(Duration, FormatsLargestUnitsFirst) {
  EXPECT_EQ(formatDuration(seconds(0)), "0s");
  EXPECT_EQ(formatDuration(hours(48)), "2d");
  EXPECT_EQ(formatDuration(seconds(90061)), "1d1h1m1s");
  EXPECT_EQ(formatDuration(parseDuration(formatDuration(seconds(123456))).value()), "1d10h17m36s");
}
