#include "common/time_format.h"

#include <cstdio>
#include <vector>

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

// The formatters write their digits themselves; what they write must stay what
// printf wrote (alert lines, stored local times and exports compare as text).
TEST(TimeFormat, FormattersWriteWhatPrintfWrote) {
  using namespace std::chrono;
  auto printf = [](Timestamp t, const char* fmt, bool seconds) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{t - day};
    char buf[64];
    if (seconds)
      std::snprintf(buf, sizeof buf, fmt, int(ymd.year()), unsigned(ymd.month()),
                    unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                    int(hms.seconds().count()));
    else
      std::snprintf(buf, sizeof buf, fmt, int(ymd.year()), unsigned(ymd.month()),
                    unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()));
    return std::string(buf);
  };
  auto china = TimeZone::shanghai();
  std::vector<Timestamp> times = {Timestamp(Seconds(0)),
                                  Timestamp(Seconds(-1)),
                                  sys_days{year{1000} / 1 / 1} + seconds(0),
                                  sys_days{year{999} / 12 / 31} + hours(23) + seconds(59),
                                  sys_days{year{9999} / 12 / 31} + hours(23) + seconds(59),
                                  sys_days{year{10000} / 1 / 1} + seconds(0),
                                  sys_days{year{-5} / 3 / 1} + seconds(7)};
  for (std::int64_t s = -4'000'000'000LL; s < 40'000'000'000LL; s += 987'654'321)
    times.push_back(Timestamp(Seconds(s)));
  for (auto t : times) {
    SCOPED_TRACE(t.time_since_epoch().count());
    EXPECT_EQ(formatRfc3339(t), printf(t, "%04d-%02u-%02uT%02d:%02d:%02dZ", true));
    EXPECT_EQ(formatLocalDateTime(t, china),
              printf(t + china.offset, "%04d-%02u-%02u %02d:%02d:%02d", true));
    EXPECT_EQ(formatLocalMinutes(t, china),
              printf(t + china.offset, "%04d-%02u-%02u %02d:%02d", false));
  }
}

TEST(TimeFormat, EveryFieldIsZeroPaddedAtBothEndsOfTheYearsWritten) {
  EXPECT_EQ(formatRfc3339(sys_days(year{1} / 2 / 3) + hours(4) + minutes(5) + seconds(6)),
            "0001-02-03T04:05:06Z");
  EXPECT_EQ(formatRfc3339(sys_days(year{9999} / 12 / 31) + hours(23) + minutes(59) + seconds(59)),
            "9999-12-31T23:59:59Z");
  EXPECT_EQ(
      formatLocalMinutes(sys_days(year{2026} / 1 / 9) + hours(7) + minutes(8), TimeZone::utc()),
      "2026-01-09 07:08");
  // Outside four digits the general formatter writes what it can.
  EXPECT_EQ(formatRfc3339(sys_days(year{10000} / 1 / 1)), "10000-01-01T00:00:00Z");
}
