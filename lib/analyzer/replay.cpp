#include "analyzer/replay.h"

#include "analyzer/analyzer.h"
#include "analyzer/case_file.h"
#include "common/duration.h"
#include "common/time_format.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace pw {
namespace json = boost::json;

namespace {

struct OpenIssue {
  Timestamp raised_at;
  std::vector<TrackingEvent> evidence;
};

class Replay {
 public:
  Replay(const LoadedCase& c, const Config& config) : c_(c), config_(config) {
    for (const auto& e : c.snapshot.events)
      if (e.time <= c.as_of) events_.push_back(e);
    all_seen_ = events_.size() == c.snapshot.events.size();
  }

  std::vector<json::object> run() {
    Timestamp start = c_.parcel.shipped_at;
    if (!events_.empty()) start = std::min(start, events_.front().time);
    start = std::min(start, c_.as_of);
    // New knowledge arrives with each distinct event time and with the
    // buyer's claim; between them only time passes.
    std::vector<Timestamp> arrivals;
    for (const auto& e : events_) arrivals.push_back(e.time);
    if (c_.claimed_at && *c_.claimed_at <= c_.as_of) arrivals.push_back(*c_.claimed_at);
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()), arrivals.end());

    prev_ = start;
    evaluate(start, false);
    for (Timestamp t : arrivals) {
      if (t <= start) continue;
      if (t - std::chrono::seconds(1) > prev_) evaluate(t - std::chrono::seconds(1), true);
      evaluate(t, false);
    }
    if (c_.as_of > prev_) evaluate(c_.as_of, true);
    out_.push_back(endLine());
    return std::move(out_);
  }

 private:
  std::size_t seenAt(Timestamp t) const {
    return static_cast<std::size_t>(
        std::upper_bound(events_.begin(), events_.end(), t,
                         [](Timestamp v, const TrackingEvent& e) { return v < e.time; }) -
        events_.begin());
  }

  // `crossing`: no new data at `t`, only time passed since the last point, so
  // a new finding began at its own `since` within (prev_, t].
  void evaluate(Timestamp t, bool crossing) {
    std::size_t seen = seenAt(t);
    Timeline timeline(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(seen));
    AssessContext context = c_.context;
    // The carrier's overall state was read with the whole history.
    if (!(all_seen_ && seen == events_.size())) context.carrier_stage.reset();
    if (seen > 0) {
      context.facts.no_result = false;
      context.facts.invalid_number = false;
    } else if (!events_.empty()) {
      context.facts.no_result = true;  // before its first scan the carrier knew nothing
    }
    context.buyer_claims_not_received =
        c_.claimed_at ? t >= *c_.claimed_at
                      : (c_.context.buyer_claims_not_received && t >= c_.as_of);
    Assessment a = assess(c_.parcel, timeline, context, config_.rules, t);
    stage_ = a.stage;

    std::map<ExceptionKind, const Issue*> now;
    for (const auto& issue : a.issues) now[issue.finding.kind] = &issue;
    for (auto it = open_.begin(); it != open_.end();) {
      if (now.count(it->first)) {
        ++it;
        continue;
      }
      json::object line = head("resolved", t, it->first, seen);
      line["open_for"] =
          formatDuration(std::chrono::floor<std::chrono::minutes>(t - it->second.raised_at));
      out_.push_back(std::move(line));
      it = open_.erase(it);
    }
    for (const auto& [kind, issue] : now) {
      auto it = open_.find(kind);
      if (it == open_.end()) {
        Timestamp at = crossing ? std::clamp(issue->finding.since, prev_, t) : t;
        json::object line = head("raised", at, kind, seen);
        // The detail and message as they read at the crossing, not later.
        const Issue* shown = issue;
        Assessment atRaise;
        if (at < t) {
          atRaise = assess(c_.parcel, timeline, context, config_.rules, at);
          for (const auto& i : atRaise.issues)
            if (i.finding.kind == kind) shown = &i;
        }
        for (auto& kv : issueToJson(*shown)) line[kv.key()] = kv.value();
        addLeadTime(line, at);
        out_.push_back(std::move(line));
        open_[kind] = {at, issue->finding.evidence};
      } else if (it->second.evidence != issue->finding.evidence) {
        json::object line = head("updated", t, kind, seen);
        line["detail"] = issue->finding.detail;
        out_.push_back(std::move(line));
        it->second.evidence = issue->finding.evidence;
      }
    }
    prev_ = t;
  }

  json::object head(std::string_view change, Timestamp at, ExceptionKind kind,
                    std::size_t seen) const {
    return json::object{{"tracking_number", c_.parcel.tracking_number},
                        {"carrier", c_.parcel.carrier},
                        {"change", change},
                        {"at", formatRfc3339(at)},
                        {"kind", toString(kind)},
                        {"scans_seen", seen}};
  }

  // How long before the history's last scan (its outcome) the warning came.
  void addLeadTime(json::object& line, Timestamp at) const {
    if (events_.empty() || at >= events_.back().time) {
      line["lead_time"] = nullptr;
      return;
    }
    Seconds lead = std::chrono::floor<std::chrono::minutes>(events_.back().time - at);
    line["lead_time"] = formatDuration(lead);
    line["lead_time_s"] = lead.count();
  }

  json::object endLine() const {
    json::array open;
    for (const auto& [kind, o] : open_) open.push_back(json::string(toString(kind)));
    json::object line{{"tracking_number", c_.parcel.tracking_number},
                      {"carrier", c_.parcel.carrier},
                      {"change", "end"},
                      {"at", formatRfc3339(c_.as_of)},
                      {"state", toString(stage_)},
                      {"scans_seen", events_.size()},
                      {"open", std::move(open)}};
    if (!events_.empty())
      line["final_outcome"] = json::object{{"at", formatRfc3339(events_.back().time)},
                                           {"event", toString(events_.back().kind)},
                                           {"state", toString(stage_)}};
    return line;
  }

  const LoadedCase& c_;
  const Config& config_;
  Timeline events_;
  bool all_seen_ = true;
  Timestamp prev_;
  ParcelStage stage_ = ParcelStage::awaiting_pickup;
  std::map<ExceptionKind, OpenIssue> open_;
  std::vector<json::object> out_;
};

}  // namespace

Result<std::vector<json::object>> replayCase(std::string_view caseJson, const Config& config) {
  auto c = loadCase(caseJson, config);
  if (!c) return c.error();
  return Replay(*c, config).run();
}

}  // namespace pw
