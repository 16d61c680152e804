#include "support/fixtures.h"

#include "common/time_format.h"

#include <boost/json.hpp>

#include <thread>

namespace pw::test {

Timestamp at(const std::string& rfc3339) { return parseRfc3339(rfc3339).value(); }

TrackingEvent hubScan(int i) {
  TrackingEvent e;
  e.time = Timestamp(Seconds(1714521600 + i * 60));
  e.local_time = "x";
  e.description = "【杭州市】快件已到达 杭州转运中心 " + std::to_string(i);
  e.kind = EventKind::arrived_hub;
  return e;
}

Parcel sampleParcel(const std::string& trackingNumber, const std::string& shippedAt) {
  Parcel p;
  p.tracking_number = trackingNumber;
  p.carrier = "yuantong";
  p.destination = {"浙江省", "杭州市", "西湖区", "文三路 1 号"};
  p.shipped_at = at(shippedAt);
  p.order_value = 99.0;
  p.buyer_id = "buyer-1";
  return p;
}

std::string kuaidi100Body(const std::string& num, const std::vector<K100Event>& oldestFirst,
                          const std::string& state, const std::string& com) {
  boost::json::array data;
  for (auto it = oldestFirst.rbegin(); it != oldestFirst.rend(); ++it) {
    boost::json::object e{{"time", it->time}, {"ftime", it->time}, {"context", it->context}};
    if (!it->statusCode.empty()) e["statusCode"] = it->statusCode;
    if (!it->areaName.empty()) e["areaName"] = it->areaName;
    data.push_back(std::move(e));
  }
  boost::json::object body{{"message", "ok"},
                           {"nu", num},
                           {"ischeck", state == "3" ? "1" : "0"},
                           {"condition", "F00"},
                           {"com", com},
                           {"status", "200"},
                           {"state", state},
                           {"data", std::move(data)}};
  return boost::json::serialize(body);
}

::testing::AssertionResult waitFor(const std::function<bool()>& condition,
                                   std::chrono::milliseconds timeout, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (condition()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "timed out after " << timeout.count() << " ms waiting for " << what;
}

}  // namespace pw::test
