#include "load/push_feed.h"

#include "carriers/md5.h"
#include "carriers/wire.h"
#include "common/time_format.h"
#include "common/time_zone.h"
#include "load/load_parcels.h"

#include <algorithm>
#include <array>

namespace pw::load {

namespace {

// A route that never passes the destination (杭州市), so a growing history
// stays a plain transit history instead of turning into a misrouting.
constexpr std::array<const char*, 12> kCities = {"广州市",   "长沙市", "武汉市", "郑州市",
                                                 "石家庄市", "北京市", "天津市", "济南市",
                                                 "南京市",   "合肥市", "南昌市", "福州市"};

std::string city(std::size_t hop) { return kCities[hop % kCities.size()]; }

std::string eventText(std::size_t i) {
  if (i == 0) return "【广州市】 广州白云区公司 已揽收";
  if (i % 2 == 1) {
    auto from = city((i - 1) / 2), to = city((i + 1) / 2);
    return "【" + from + "】 快件离开 " + from + "转运中心 已发往 " + to + "转运中心";
  }
  auto at = city(i / 2);
  return "【" + at + "】 快件已到达 " + at + "转运中心";
}

// The JSON of a query answer / lastResult around its data[] array.
std::string head(const std::string& num) {
  return R"({"message":"ok","nu":")" + num +
         R"(","ischeck":"0","condition":"F00","com":"yuantong","status":"200","state":"0","data":[)";
}
constexpr const char* kPushHead =
    R"({"status":"polling","billstatus":"got","message":"","autoCheck":"0","lastResult":)";

}  // namespace

PushFeed::PushFeed(std::uint64_t parcels, std::string salt, Timestamp firstScan)
    : parcels_(std::max<std::uint64_t>(1, parcels)),
      salt_(std::move(salt)),
      comma_(formEncode(",")) {
  for (std::size_t i = 0; i < kMaxEvents; ++i) {
    auto time = formatLocalDateTime(firstScan + std::chrono::hours(i), TimeZone::shanghai());
    raw_.push_back(R"({"time":")" + time + R"(","ftime":")" + time + R"(","context":")" +
                   eventText(i) + R"(","statusCode":")" + (i == 0 ? "103" : "0") + R"("})");
    encoded_.push_back(formEncode(raw_.back()));
  }
}

std::size_t PushFeed::eventsFor(std::uint64_t seq) const {
  return std::min<std::uint64_t>(kMaxEvents, seq / parcels_ + 2);
}

std::string PushFeed::body(std::uint64_t seq) const { return body(seq % parcels_, eventsFor(seq)); }

std::string PushFeed::lastResult(std::uint64_t index, std::size_t events) const {
  std::string out = head(trackingNumber(index));
  for (std::size_t i = events; i-- > 0;) {  // newest first, as Kuaidi100 sends them
    out += raw_[i];
    if (i) out += ',';
  }
  return out + "]}";
}

std::string PushFeed::body(std::uint64_t index, std::size_t events) const {
  events = std::clamp<std::size_t>(events, 1, kMaxEvents);
  std::string param = kPushHead + lastResult(index, events) + "}";
  std::string out;
  out.reserve(param.size() * 3);
  out += "param=";
  out += formEncode(std::string(kPushHead) + head(trackingNumber(index)));
  for (std::size_t i = events; i-- > 0;) {
    out += encoded_[i];
    if (i) out += comma_;
  }
  out += formEncode("]}}");
  out += "&sign=";
  out += md5HexUpper(param + salt_);
  return out;
}

}  // namespace pw::load
