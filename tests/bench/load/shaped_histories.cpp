#include "load/shaped_histories.h"

#include "common/time_format.h"
#include "support/fixtures.h"

namespace pw::load {

namespace {

using std::chrono::hours;
constexpr std::string_view kPlaceholder = "YT0000000000000";

std::string local(Timestamp t) { return formatLocalDateTime(t, TimeZone::shanghai()); }

std::string history(const std::string& num, int shape, Timestamp now) {
  std::vector<test::K100Event> ev = {
      {local(now - hours(70)), "【广州市】 广州白云区公司 已揽收", "103"},
      {local(now - hours(66)), "【广州市】 快件离开 广州转运中心 已发往 杭州转运中心", "0"},
      {local(now - hours(60)), "【杭州市】 快件已到达 杭州转运中心", "0"}};
  if (shape == 0) return test::kuaidi100Body(num, ev);
  ev.push_back({local(now - hours(8)), "【杭州市】 快件离开 杭州转运中心 已发往 西湖区", "0"});
  ev.push_back({local(now - hours(4)), "【杭州市】 快件已到达 西湖区文三路营业部", "0"});
  if (shape == 1) return test::kuaidi100Body(num, ev);
  ev.push_back({local(now - hours(3)), "【杭州市】 派件员 张三 正在为您派件", "5"});
  if (shape == 2) {
    ev.push_back({local(now - hours(1)), "【杭州市】 快件已签收，签收人：本人签收", "301"});
    return test::kuaidi100Body(num, ev, "3");
  }
  ev.push_back({local(now - hours(2)), "【杭州市】 派送不成功，收件人电话无人接听，明日再派"});
  return test::kuaidi100Body(num, ev);
}

}  // namespace

ShapedHistories::ShapedHistories(Timestamp now) {
  for (int shape = 0; shape < 4; ++shape) {
    std::string body = history(std::string(kPlaceholder), shape, now);
    auto& cut = pieces_[static_cast<std::size_t>(shape)];
    std::size_t from = 0;
    for (auto at = body.find(kPlaceholder); at != std::string::npos;
         at = body.find(kPlaceholder, from)) {
      cut.push_back(body.substr(from, at - from));
      from = at + kPlaceholder.size();
    }
    cut.push_back(body.substr(from));
  }
}

std::string ShapedHistories::body(std::string_view number, std::uint64_t index) const {
  const auto& cut = pieces_[static_cast<std::size_t>(shapeOf(index))];
  std::string out;
  out.reserve(cut.size() * 200);
  for (std::size_t i = 0; i < cut.size(); ++i) {
    if (i) out += number;
    out += cut[i];
  }
  return out;
}

}  // namespace pw::load
