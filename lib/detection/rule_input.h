#pragma once
#include "common/clock.h"
#include "detection/detection_policy.h"
#include "model/parcel.h"
#include "model/tracking_event.h"

namespace pw {

/// Everything a rule may look at. Rules are pure functions of this value.
struct RuleInput {
  const Parcel& parcel;
  const Timeline& timeline;  // oldest first
  ParcelStage stage;
  const DetectionPolicy& policy;
  Timestamp now;
};

}  // namespace pw
