// What Store implements for every backend from its other calls, which a
// backend may do better (one read, one transaction).
#include "store/store.h"

#include "common/log.h"

namespace pw {

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

Result<std::vector<Result<PollOutcome>>> Store::commitBatch(std::vector<CommitRequest> requests,
                                                            const AlertMarks& marks,
                                                            Timestamp marksAt) {
  if (!marks.empty())
    if (auto r = markAlerted(marks, marksAt); !r)
      subsystemLogger("store")->error("STORE_WRITE_FAILED what=mark_alerted error={}",
                                      r.error().message);
  return commitBatch(std::move(requests));
}

}  // namespace pw
