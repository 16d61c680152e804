// Store::reassessPage for a backend that reads a parcel at a time (the
// PostgreSQL store): commitBatch, which reads each parcel's claims with it.
#include "store/store.h"

namespace pw {

Result<std::vector<Result<PollOutcome>>> Store::reassessPage(const ReassessPage& page) {
  std::vector<CommitRequest> requests;
  requests.reserve(page.parcels.size());
  for (const auto& p : page.parcels) {
    CommitRequest r;
    r.parcel_id = p.id;
    r.now = page.now;
    r.answered = false;
    r.claims_since = page.claims_since;
    r.assess = [assess = page.assess](const Parcel& parcel, const Timeline& timeline,
                                      const ClaimFacts& facts) {
      return assess(parcel, timeline, facts, true);
    };
    requests.push_back(std::move(r));
  }
  return commitBatch(std::move(requests));
}

Result<std::vector<std::optional<Parcel>>> Store::findParcels(
    const std::vector<std::string>& trackingNumbers) {
  std::vector<std::optional<Parcel>> found;
  found.reserve(trackingNumbers.size());
  for (const auto& n : trackingNumbers) {
    auto p = findParcel(n);
    if (!p) return p.error();
    found.push_back(std::move(*p));
  }
  return found;
}

Result<std::vector<std::int64_t>> Store::activeParcelIds(std::int64_t afterId, int limit) {
  auto active = activeParcels(afterId, limit);
  if (!active) return active.error();
  std::vector<std::int64_t> ids;
  ids.reserve(active->size());
  for (const auto& a : *active) ids.push_back(a.parcel.id);
  return ids;
}

Result<ScreenedPage> Store::screenReassess(const ReassessPage& page) {
  return ScreenedPage{std::vector<bool>(page.parcels.size(), true), nullptr, {}};
}

Result<std::vector<Result<PollOutcome>>> Store::reassessScreened(const ReassessPage& named,
                                                                 const ScreenedPage&,
                                                                 std::uint64_t) {
  return reassessPage(named);
}

}  // namespace pw
