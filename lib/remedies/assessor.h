#pragma once
// The pure heart of a poll: from a parcel and its merged timeline, the stage
// it is in and every exception that holds, each with a remedy and a message.
// The daemon runs it inside the store's poll transaction; the analyzer and
// tests run it directly.
#include "common/time_zone.h"
#include "detection/detection_policy.h"
#include "detection/rule_input.h"
#include "model/assessment.h"
#include "model/finding.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "remedies/message_templates.h"
#include "remedies/remedy_policy.h"

#include <optional>
#include <vector>

namespace pw {

struct AssessmentRules {
  DetectionPolicy detection;
  RemedyPolicy remedy;
  MessageTemplates templates;
  TimeZone display_zone = TimeZone::shanghai();  // times in messages are the buyer's local time
};

/// What the poll (or push) knows beside the timeline.
struct AssessContext {
  std::optional<ParcelStage> carrier_stage;  // the carrier's own final state, if any
  CarrierFacts facts;
  bool buyer_claims_not_received = false;
  int buyer_claims = 0;  // this buyer's recent claims, any parcel
  /// The buyer messages of each issue. A reassessment's screen leaves them
  /// out: most findings are already open and no task is raised for them, and
  /// rendering both messages was half of detection's time.
  bool messages = true;
};

Assessment assess(const Parcel& parcel, const Timeline& timeline, const AssessContext& context,
                  const AssessmentRules& rules, Timestamp now);

/// "杭州转运中心" from an event: its area name, else the text in 【】 or [],
/// else the description itself.
std::string placeOf(const TrackingEvent& e);

}  // namespace pw
