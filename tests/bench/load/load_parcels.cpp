#include "load/load_parcels.h"

#include "common/time_format.h"
#include "load/control_ask.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace pw::load {

namespace {
constexpr std::uint64_t kFirst = 7000000000000ULL;
constexpr std::uint64_t kBatch = 500;
}  // namespace

std::string trackingNumber(std::uint64_t index) { return "YT" + std::to_string(kFirst + index); }

std::optional<std::uint64_t> parcelIndex(std::string_view number) {
  if (!number.starts_with("YT")) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(number.data() + 2, number.data() + number.size(), v);
  if (ec != std::errc{} || end != number.data() + number.size() || v < kFirst) return std::nullopt;
  return v - kFirst;
}

boost::json::object parcelJson(std::uint64_t index, Timestamp shippedAt) {
  return {{"tracking_number", trackingNumber(index)},
          {"carrier", "yuantong"},
          {"destination", {{"province", "浙江省"}, {"city", "杭州市"}, {"district", "西湖区"}}},
          {"shipped_at", formatRfc3339(shippedAt)}};
}

namespace {

double registerThrough(const std::vector<std::string>& sockets, std::uint64_t count,
                       Timestamp shippedAt, const std::function<void(std::uint64_t)>& progress) {
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < count; i += kBatch) {
    boost::json::array batch;
    for (std::uint64_t k = i; k < std::min(count, i + kBatch); ++k)
      batch.push_back(parcelJson(k, shippedAt));
    ask(sockets[(i / kBatch) % sockets.size()], "track", {{"parcels", std::move(batch)}});
    if (progress) progress(std::min(count, i + kBatch));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

double registerParcels(const std::string& socket, std::uint64_t count, Timestamp shippedAt,
                       const std::function<void(std::uint64_t)>& progress) {
  return registerThrough({socket}, count, shippedAt, progress);
}

double registerParcels(const std::vector<std::string>& sockets, std::uint64_t count,
                       Timestamp shippedAt) {
  return registerThrough(sockets, count, shippedAt, {});
}

}  // namespace pw::load
