#include "load/latency_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace pw::load {

namespace {
double rank(const std::vector<double>& sorted, double p) {
  auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, k == 0 ? 0 : k - 1)];
}
}  // namespace

std::string LatencySummary::text() const {
  if (count == 0) return "no calls";
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu calls)", p50, p99, max,
                count);
  return buf;
}

LatencySummary summarize(std::vector<double> ms) {
  LatencySummary s;
  s.count = ms.size();
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.p50 = rank(ms, 0.50);
  s.p99 = rank(ms, 0.99);
  s.max = ms.back();
  return s;
}

}  // namespace pw::load
