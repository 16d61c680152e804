#pragma once
// What the daemon would have seen and raised: each answer (poll or push) runs
// the real detection on the events the aggregator reported by then, and the
// first answer that raises an episode's kind is when it was noticed.
#include "replay/ground_truth.h"

#include <map>
#include <vector>

namespace pw::replay {

struct KindDelays {
  std::vector<double> minutes;  // noticed episodes
  std::int64_t episodes = 0;
  std::int64_t missed = 0;  // over before any answer showed them
};

class Observer {
 public:
  Observer(const std::vector<SimParcel>& parcels, const std::vector<std::vector<Episode>>& truth,
           const DetectionPolicy& policy);

  struct Seen {
    std::size_t known = 0;
    std::vector<ExceptionKind> open;
  };
  /// An answer for parcel `i` at `t`.
  Seen answer(std::size_t i, Timestamp t);
  std::map<ExceptionKind, KindDelays> delays() const;

 private:
  const std::vector<SimParcel>& parcels_;
  const std::vector<std::vector<Episode>>& truth_;
  const DetectionPolicy& policy_;
  std::vector<std::vector<std::optional<Timestamp>>> noticed_;
};

}  // namespace pw::replay
