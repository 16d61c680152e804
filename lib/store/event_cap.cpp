#include "store/event_cap.h"

#include <algorithm>
#include <map>

namespace pw::store {

std::vector<std::size_t> eventsOverCap(const std::vector<CapEvent>& t, std::size_t cap) {
  if (t.size() <= cap) return {};
  const std::size_t n = t.size();
  std::vector<bool> keep(n, false);
  std::map<EventKind, std::pair<std::size_t, std::size_t>> firstLast;
  for (std::size_t i = 0; i < n; ++i) {
    if (t[i].evidence) keep[i] = true;
    auto [it, fresh] = firstLast.try_emplace(t[i].kind, i, i);
    if (!fresh) it->second.second = i;
  }
  keep[n - 1] = true;
  for (const auto& [kind, fl] : firstLast) keep[fl.first] = keep[fl.second] = true;

  auto sameAsPrevious = [&](std::size_t i) {
    return i > 0 && t[i].description == t[i - 1].description;
  };
  auto middleOfRun = [&](std::size_t i) {
    return sameAsPrevious(i) && i + 1 < n && t[i + 1].description == t[i].description;
  };
  std::vector<bool> drop(n, false);
  std::size_t excess = n - cap;
  auto pass = [&](auto&& eligible) {
    for (std::size_t i = 0; i < n && excess > 0; ++i)
      if (!keep[i] && !drop[i] && eligible(i)) {
        drop[i] = true;
        --excess;
      }
  };
  pass(middleOfRun);
  pass(sameAsPrevious);
  pass([](std::size_t) { return true; });
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if (drop[i]) out.push_back(i);
  return out;
}

}  // namespace pw::store
