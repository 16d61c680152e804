#include "replay/observer.h"

namespace pw::replay {

Observer::Observer(const std::vector<SimParcel>& parcels,
                   const std::vector<std::vector<Episode>>& truth, const DetectionPolicy& policy)
    : parcels_(parcels), truth_(truth), policy_(policy), noticed_(parcels.size()) {
  for (std::size_t i = 0; i < parcels.size(); ++i) noticed_[i].resize(truth[i].size());
}

Observer::Seen Observer::answer(std::size_t i, Timestamp t) {
  Seen s;
  s.known = knownAt(parcels_[i], t);
  for (const auto& f : findingsAt(parcels_[i], s.known, t, policy_)) {
    s.open.push_back(f.kind);
    const auto& eps = truth_[i];
    for (std::size_t e = 0; e < eps.size(); ++e) {
      if (eps[e].kind != f.kind || eps[e].onset > t || t >= eps[e].end) continue;
      if (!noticed_[i][e]) noticed_[i][e] = t;
      break;
    }
  }
  return s;
}

std::map<ExceptionKind, KindDelays> Observer::delays() const {
  std::map<ExceptionKind, KindDelays> out;
  for (std::size_t i = 0; i < truth_.size(); ++i) {
    for (std::size_t e = 0; e < truth_[i].size(); ++e) {
      auto& k = out[truth_[i][e].kind];
      ++k.episodes;
      if (noticed_[i][e])
        k.minutes.push_back(
            std::chrono::duration<double>(*noticed_[i][e] - truth_[i][e].onset).count() / 60.0);
      else
        ++k.missed;
    }
  }
  return out;
}

}  // namespace pw::replay
