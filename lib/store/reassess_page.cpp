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

}  // namespace pw
