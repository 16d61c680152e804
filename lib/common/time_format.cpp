#include "common/time_format.h"

#include <fmt/compile.h>
#include <fmt/format.h>

namespace pw {
namespace {

using namespace std::chrono;

struct Cursor {
  std::string_view s;
  size_t i = 0;

  bool digits(size_t n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool eatAny(std::string_view cs) {
    if (i < s.size() && cs.find(s[i]) != std::string_view::npos) {
      ++i;
      return true;
    }
    return false;
  }
  bool done() const { return i == s.size(); }
};

// Validates the civil fields and turns them into seconds since the epoch as if UTC.
bool civil(int y, int mo, int d, int h, int mi, int se, Timestamp& out) {
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return false;
  out = sys_days(ymd) + hours(h) + minutes(mi) + seconds(se);
  return true;
}

// "YYYY-MM-DD" `sep` "HH:MM[:SS]" `suffix`, with printf's widths for every year. fmt's
// compiled formats, not snprintf: snprintf was 3 % of the writer's instructions (every alert
// line's times).
std::string civilText(Timestamp t, char sep, bool withSeconds, const char* suffix = "") {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  int y = int(ymd.year());
  unsigned mo = unsigned(ymd.month()), d = unsigned(ymd.day());
  auto h = hms.hours().count(), mi = hms.minutes().count();
  if (y >= 0 && y <= 9999) {
    // Fixed widths, written digit by digit: fmt's padded fields cost the
    // writer more than a thousand instructions a timestamp, several of which
    // go into every alert line it stores.
    char buf[20];
    auto two = [](char* p, unsigned v) {
      p[0] = static_cast<char>('0' + v / 10);
      p[1] = static_cast<char>('0' + v % 10);
    };
    two(buf, static_cast<unsigned>(y) / 100);
    two(buf + 2, static_cast<unsigned>(y) % 100);
    buf[4] = '-';
    two(buf + 5, mo);
    buf[7] = '-';
    two(buf + 8, d);
    buf[10] = sep;
    two(buf + 11, static_cast<unsigned>(h));
    buf[13] = ':';
    two(buf + 14, static_cast<unsigned>(mi));
    std::size_t n = 16;
    if (withSeconds) {
      buf[16] = ':';
      two(buf + 17, static_cast<unsigned>(hms.seconds().count()));
      n = 19;
    }
    std::string out(buf, n);
    out += suffix;
    return out;
  }
  if (withSeconds)
    return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}{}"), y, mo, d, sep, h, mi,
                       hms.seconds().count(), suffix);
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}{}{:02}:{:02}{}"), y, mo, d, sep, h, mi, suffix);
}

}  // namespace

Result<Timestamp> parseRfc3339(std::string_view text) {
  auto bad = [&] {
    return makeError(ErrorCode::invalid_input,
                     "bad time '" + std::string(text) +
                         "': expected RFC 3339 such as 2024-05-06T12:00:00+08:00");
  };
  Cursor c{text};
  int y, mo, d, h, mi, se;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, mo) || !c.eat('-') || !c.digits(2, d) ||
      !c.eatAny("Tt ") || !c.digits(2, h) || !c.eat(':') || !c.digits(2, mi) || !c.eat(':') ||
      !c.digits(2, se))
    return bad();
  if (c.eat('.')) {
    int ignored;
    size_t before = c.i;
    while (c.digits(1, ignored)) {
    }
    if (c.i == before) return bad();
  }
  Timestamp t;
  if (!civil(y, mo, d, h, mi, se, t)) return bad();
  if (c.eatAny("Zz")) {
    if (!c.done()) return bad();
    return t;
  }
  int sign = 0;
  if (c.eat('+'))
    sign = 1;
  else if (c.eat('-'))
    sign = -1;
  else
    return bad();
  int oh, om;
  if (!c.digits(2, oh) || !c.eat(':') || !c.digits(2, om) || !c.done() || oh > 23 || om > 59)
    return bad();
  return t - sign * (hours(oh) + minutes(om));
}

std::string formatRfc3339(Timestamp t) { return civilText(t, 'T', true, "Z"); }

Result<Timestamp> parseLocalDateTime(std::string_view text, const TimeZone& zone) {
  Cursor c{text};
  int y, mo, d, h, mi, se = 0;
  bool ok = c.digits(4, y) && c.eatAny("-/") && c.digits(2, mo) && c.eatAny("-/") &&
            c.digits(2, d) && c.eatAny(" T") && c.digits(2, h) && c.eat(':') && c.digits(2, mi);
  if (ok && c.eat(':')) ok = c.digits(2, se);
  Timestamp t;
  if (!ok || !c.done() || !civil(y, mo, d, h, mi, se, t)) {
    return makeError(ErrorCode::invalid_input,
                     "bad carrier time '" + std::string(text) + "': expected YYYY-MM-DD HH:MM:SS");
  }
  return t - zone.offset;
}

std::string formatLocalDateTime(Timestamp t, const TimeZone& zone) {
  return civilText(t + zone.offset, ' ', true);
}

std::string formatLocalMinutes(Timestamp t, const TimeZone& zone) {
  return civilText(t + zone.offset, ' ', false);
}

}  // namespace pw
