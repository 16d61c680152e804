#include "replay/ground_truth.h"

#include "detection/detector.h"
#include "model/parcel_stage.h"

#include <algorithm>
#include <map>

namespace pw::replay {

std::size_t knownAt(const SimParcel& p, Timestamp now) {
  auto it = std::upper_bound(p.truth.begin(), p.truth.end(), now,
                             [](Timestamp t, const TrackingEvent& e) { return t < e.time; });
  return static_cast<std::size_t>(it - p.truth.begin());
}

std::vector<Finding> findingsAt(const SimParcel& p, std::size_t known, Timestamp now,
                                const DetectionPolicy& policy) {
  Timeline seen(p.truth.begin(), p.truth.begin() + static_cast<std::ptrdiff_t>(known));
  CarrierFacts facts;
  facts.no_result = seen.empty();
  RuleInput in{p.parcel, seen, stageOf(seen), policy, now, facts};
  return detect(in);
}

std::vector<Episode> episodesOf(const SimParcel& p, Timestamp horizon,
                                const DetectionPolicy& policy) {
  std::vector<Timestamp> points;
  for (std::size_t i = 0; i < p.truth.size(); ++i) {
    points.push_back(p.truth[i].time);
    if (i + 1 < p.truth.size()) points.push_back(p.truth[i + 1].time - Seconds(1));
  }
  // Before the first event (a number nobody picks up or the carrier never
  // knows) the parcel is watched from shipping on.
  points.push_back(p.parcel.shipped_at);
  if (!p.truth.empty()) points.push_back(p.truth.front().time - Seconds(1));
  points.push_back(horizon);
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::erase_if(points, [&](Timestamp t) { return t < p.parcel.shipped_at || t > horizon; });

  std::vector<Episode> out;
  std::map<ExceptionKind, std::size_t> open;  // kind -> index in out
  Timestamp previous = p.parcel.shipped_at;
  for (Timestamp t : points) {
    auto findings = findingsAt(p, knownAt(p, t), t, policy);
    std::map<ExceptionKind, Timestamp> now;
    for (const auto& f : findings) now[f.kind] = f.since;
    for (auto it = open.begin(); it != open.end();) {
      if (now.count(it->first)) {
        ++it;
        continue;
      }
      out[it->second].end = t;
      it = open.erase(it);
    }
    for (const auto& [kind, since] : now) {
      if (open.count(kind)) continue;
      // It began after the last point where it did not hold.
      Timestamp lo = t == points.front() ? Timestamp::min() : previous + Seconds(1);
      Timestamp onset = std::max(lo, std::min(since, t));
      open[kind] = out.size();
      out.push_back({kind, onset, horizon});
    }
    previous = t;
  }
  return out;
}

}  // namespace pw::replay
