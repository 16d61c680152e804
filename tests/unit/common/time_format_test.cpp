#include "common/time_format.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace std::chrono;

TEST(TimeFormat, Rfc3339WithOffsetsAndFractions) {
  auto utc = parseRfc3339("2024-05-06T04:00:00Z").value();
  EXPECT_EQ(parseRfc3339("2024-05-06T12:00:00+08:00").value(), utc);
  EXPECT_EQ(parseRfc3339("2024-05-05T23:00:00-05:00").value(), utc);
  EXPECT_EQ(parseRfc3339("2024-05-06T04:00:00.123Z").value(), utc);
  EXPECT_EQ(formatRfc3339(utc), "2024-05-06T04:00:00Z");
}

TEST(TimeFormat, Rfc3339RejectsNonsense) {
  for (auto bad :
       {"", "2024-05-06", "2024-05-06T12:00:00", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
        "2024-05-06T25:00:00Z", "2024-05-06T12:00:00+8", "2024-05-06T12:00:00Zjunk"}) {
    EXPECT_FALSE(parseRfc3339(bad)) << bad;
  }
}

TEST(TimeFormat, CarrierLocalTimeIsShanghaiByDefault) {
  auto t = parseLocalDateTime("2024-05-06 12:00:00", TimeZone::shanghai()).value();
  EXPECT_EQ(formatRfc3339(t), "2024-05-06T04:00:00Z");
  EXPECT_EQ(formatLocalMinutes(t, TimeZone::shanghai()), "2024-05-06 12:00");
  EXPECT_EQ(formatLocalDateTime(t, TimeZone::shanghai()), "2024-05-06 12:00:00");
}

TEST(TimeFormat, CarrierTimesSeenInTheWild) {
  auto z = TimeZone::shanghai();
  // Slashes and missing seconds are read; a third seconds digit is not.
  EXPECT_EQ(formatRfc3339(parseLocalDateTime("2014/06/25 01:41:06", z).value()),
            "2014-06-24T17:41:06Z");
  EXPECT_EQ(formatRfc3339(parseLocalDateTime("2024-05-06 12:00", z).value()),
            "2024-05-06T04:00:00Z");
  auto bad = parseLocalDateTime("2020-08-03 16:58:272", z);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "bad carrier time '2020-08-03 16:58:272': expected YYYY-MM-DD HH:MM:SS");
}

TEST(TimeZoneTest, KnownZonesAndOffsets) {
  EXPECT_EQ(TimeZone::fromName("Asia/Shanghai").value().offset, hours(8));
  EXPECT_EQ(TimeZone::fromName("UTC").value().offset, minutes(0));
  EXPECT_EQ(TimeZone::fromName("-05:30").value().offset, -(hours(5) + minutes(30)));
  auto dst = TimeZone::fromName("Europe/Berlin");
  ASSERT_FALSE(dst);
  EXPECT_NE(dst.error().message.find("unsupported time zone 'Europe/Berlin'"), std::string::npos);
}
