#pragma once
// What a commit writes once a parcel is assessed: the exceptions it opens,
// refreshes and resolves, the parcel's stage, the outbox rows. Planned apart
// from writing, so that a reassessment can tell before it writes anything
// whether there is anything to write.
#include "model/assessment.h"
#include "model/parcel.h"
#include "store/store.h"
#include "store/store_state.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pw::store {

struct OpenException {
  std::int64_t id = 0;
  std::string evidence;
  std::string detail;
  std::int64_t since = 0;
};
/// A parcel's open exceptions by kind.
using OpenExceptions = std::map<std::string, OpenException>;

OpenExceptions openExceptions(State& s, std::int64_t parcelId);

struct Reconciliation {
  /// Findings without an open exception of their kind, in the assessment's order.
  std::vector<const Issue*> raise;
  /// Open exceptions whose finding still holds and whose row is rewritten.
  struct Refresh {
    std::int64_t exception_id = 0;
    const Issue* issue = nullptr;
    std::string evidence;  // the finding's, as stored
    bool news = false;     // new evidence: an exception_updated alert
  };
  std::vector<Refresh> refresh;
  /// Open exceptions that no longer hold, by kind.
  std::vector<std::pair<std::int64_t, ExceptionKind>> resolve;
  bool parcel = false;  // the parcels row is written

  bool empty() const { return raise.empty() && refresh.empty() && resolve.empty() && !parcel; }
  /// Only rows of open exceptions rewritten, none with new evidence: no
  /// alert line, no other row.
  bool refreshOnly() const {
    return raise.empty() && resolve.empty() && !parcel && !refresh.empty() &&
           std::none_of(refresh.begin(), refresh.end(), [](const Refresh& r) { return r.news; });
  }
};

/// An open exception's row as a refresh rewrites it.
struct ExceptionRefresh {
  std::int64_t exception_id = 0;
  std::int64_t elapsed = 0;  // seconds
  std::string detail;
  std::string evidence;
};
ExceptionRefresh refreshRow(const Reconciliation::Refresh& r);
void writeRefresh(State& s, const ExceptionRefresh& row, Timestamp now);

/// What committing `assessment` for `stored` (the parcel as the store holds
/// it now) changes. An answered poll rewrites every holding exception (its
/// elapsed time) and the parcel (last poll, carrier state); a reassessment
/// writes only what changed (see the definition).
Reconciliation reconcile(const Parcel& stored, const OpenExceptions& open,
                         const Assessment& assessment, bool answered);

/// Writes `plan` inside the caller's transaction and fills `out` with what
/// changed (raised tasks, updates, resolutions, closed tasks) and its outbox rows.
void writeReconciliation(State& s, const CommitRequest& r, const Parcel& parcel,
                         const Reconciliation& plan, PollOutcome& out);

}  // namespace pw::store
