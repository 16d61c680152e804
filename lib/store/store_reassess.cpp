// reassess --all a page at a time: the page read at once, detection over
// each stored timeline, and writes only for the parcels whose exceptions or
// stage changed, all in one transaction.
#include "store/sqlite_store.h"

#include "store/reconcile.h"
#include "store/store_state.h"
#include "store/timeline_page.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <optional>

namespace pw {
using store::State;

namespace {

Error failed(const char* what, const std::exception& e, ErrorCode code) {
  return makeError(code, std::string(what) + ": " + e.what());
}

}  // namespace

Result<std::vector<Result<PollOutcome>>> SqliteStore::reassessPage(const ReassessPage& page) {
  std::vector<std::int64_t> ids;
  ids.reserve(page.parcels.size());
  for (const auto& p : page.parcels) ids.push_back(p.id);
  if (!std::is_sorted(ids.begin(), ids.end()) ||
      std::adjacent_find(ids.begin(), ids.end()) != ids.end())
    return Store::reassessPage(page);  // not a page: each parcel on its own
  State& s = *s_;
  try {
    store::WriteTransaction tx(s);
    auto rows = store::readTimelinePage(s, ids, page.claims_since);
    std::vector<Result<PollOutcome>> out;
    out.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& row = rows[i];
      CommitRequest r;
      r.parcel_id = ids[i];
      r.now = page.now;
      r.answered = false;
      r.assess = [&page, &row](const Parcel& p, const Timeline& timeline) {
        return page.assess(p, timeline, row.claims);
      };
      if (!row.parcel) {
        out.push_back(
            makeError(ErrorCode::not_found, "no parcel with id " + std::to_string(r.parcel_id)));
        continue;
      }
      // Only a savepoint for a parcel that writes: most write nothing.
      std::optional<store::Savepoint> item;
      Result<PollOutcome> one = [&]() -> Result<PollOutcome> {
        try {
          if (row.events.size() > s.options.event_cap) {
            // Over the cap the timeline is trimmed (writes): the whole commit path.
            item.emplace(s);
            return commitOne(r);
          }
          Timeline timeline;
          timeline.reserve(row.events.size());
          for (auto& e : row.events) timeline.push_back(std::move(e.event));
          Assessment assessment = r.assess(*row.parcel, timeline);
          PollOutcome o;
          o.stage = assessment.stage;
          auto plan = store::reconcile(*row.parcel, row.open, assessment, false);
          if (plan.empty()) return o;
          item.emplace(s);
          store::writeReconciliation(s, r, *row.parcel, plan, o);
          return o;
        } catch (const SQLite::Exception& e) {
          return failed("reassess", e, ErrorCode::io);
        } catch (const std::exception& e) {
          return failed("reassess", e, ErrorCode::internal);
        }
      }();
      if (item) {
        if (one)
          item->release();
        else
          item->rollback();
      }
      out.push_back(std::move(one));
    }
    tx.commit();
    return out;
  } catch (const SQLite::Exception& e) {
    return failed("reassess page", e, ErrorCode::io);
  } catch (const std::exception& e) {
    return failed("reassess page", e, ErrorCode::internal);
  }
}

}  // namespace pw
