#include "remedies/assessor.h"

#include "common/time_format.h"
#include "detection/detector.h"
#include "model/carrier_names.h"
#include "model/parcel_stage.h"

namespace pw {

namespace {

// "杭州转运中心" out of "【杭州市】 快件已到达 杭州转运中心": the run of text that
// ends in a facility word, back to the previous space or bracket.
std::string facilityIn(const std::string& d) {
  static constexpr std::string_view kSuffixes[] = {"转运中心", "分拨中心", "集散中心", "处理中心",
                                                   "中转部",   "中转场",   "营业部",   "网点"};
  for (auto suffix : kSuffixes) {
    auto end = d.find(suffix);
    if (end == std::string::npos) continue;
    size_t start = end;
    while (start > 0) {
      unsigned char c = static_cast<unsigned char>(d[start - 1]);
      if (c == ' ' || c == ']' || c == '\t') break;
      // Stop after a closing 】 or a full-width comma (both 3 bytes in UTF-8).
      if (start >= 3 && (d.compare(start - 3, 3, "】") == 0 || d.compare(start - 3, 3, "，") == 0))
        break;
      --start;
    }
    std::string name = d.substr(start, end + suffix.size() - start);
    for (auto verb : {"已到达", "到达", "离开", "已从", "发往"}) {
      if (name.rfind(verb, 0) == 0) name.erase(0, std::string_view(verb).size());
    }
    return name;
  }
  return {};
}

std::string bracketed(const std::string& d) {
  for (auto [open, close] :
       {std::pair<std::string_view, std::string_view>{"【", "】"}, {"[", "]"}}) {
    auto a = d.find(open);
    if (a == std::string::npos) continue;
    a += open.size();
    auto b = d.find(close, a);
    if (b != std::string::npos && b > a) return d.substr(a, b - a);
  }
  return {};
}

}  // namespace

std::string placeOf(const TrackingEvent& e) {
  std::string area = e.location.empty() ? bracketed(e.description) : e.location;
  std::string facility = facilityIn(e.description);
  if (!area.empty() && !facility.empty()) return area + " " + facility;
  if (!facility.empty()) return facility;
  if (!area.empty()) return area;
  return e.description;
}

Assessment assess(const Parcel& parcel, const Timeline& timeline, const AssessContext& context,
                  const AssessmentRules& rules, Timestamp now) {
  const std::optional<ParcelStage>& carrierStage = context.carrier_stage;
  Assessment out;
  out.stage = stageOf(timeline, false);
  // The carrier's "signed" state covers a locker or station taking the
  // parcel in; the timeline knows the buyer has not collected it yet.
  if (carrierStage && isFinal(*carrierStage) && out.stage != ParcelStage::awaiting_collection)
    out.stage = *carrierStage;
  RuleInput in{parcel,
               timeline,
               out.stage,
               rules.detection,
               now,
               context.facts,
               context.buyer_claims_not_received};
  for (auto& f : detect(in)) {
    Issue issue;
    issue.suggestion = suggestRemedy(f, parcel, rules.remedy, context.buyer_claims);
    if (!context.messages) {
      issue.finding = std::move(f);
      out.issues.push_back(std::move(issue));
      continue;
    }
    MessageFacts facts;
    facts.tracking_number = parcel.tracking_number;
    facts.carrier_name = carrierDisplayName(parcel.carrier);
    facts.carrier_name_en = carrierDisplayNameEn(parcel.carrier);
    facts.shipped_at = formatLocalMinutes(parcel.shipped_at, rules.display_zone);
    facts.elapsed_hours = std::to_string(std::chrono::floor<std::chrono::hours>(f.elapsed).count());
    if (!f.evidence.empty()) {
      const auto& last = f.evidence.back();
      facts.last_scan_time = formatLocalMinutes(last.time, rules.display_zone);
      facts.last_scan_place = placeOf(last);
      facts.last_scan_text = last.description;
      for (const auto& e : f.evidence)
        if (e.kind == EventKind::signed_) facts.signer = e.signer.empty() ? "代收人" : e.signer;
    }
    if (parcel.promised_by)
      facts.promised_by = formatLocalMinutes(*parcel.promised_by, rules.display_zone);
    facts.expected_date =
        formatLocalMinutes(now + std::chrono::hours(48), rules.display_zone).substr(0, 10);
    issue.message = rules.templates.render(f.kind, facts);
    issue.message_source = rules.templates.source(f.kind, facts);
    issue.finding = std::move(f);
    out.issues.push_back(std::move(issue));
  }
  return out;
}

}  // namespace pw
