#pragma once
#include "common/clock.h"
#include "detection/detection_policy.h"
#include "model/parcel.h"
#include "model/tracking_event.h"

#include <string_view>
#include <utility>

namespace pw {

/// What the carrier said about the number itself, beside the events.
struct CarrierFacts {
  bool no_result = false;        // "查询无结果" / no traces yet
  bool invalid_number = false;   // the carrier says the number does not exist
  bool number_format_ok = true;  // fits its carrier's number format
};

/// Everything a rule may look at. Rules are pure functions of this value.
struct RuleInput {
  const Parcel& parcel;
  const Timeline& timeline;  // oldest first
  ParcelStage stage;
  const DetectionPolicy& policy;
  Timestamp now;
  CarrierFacts facts = {};
  bool buyer_claims_not_received = false;
};

/// `base` stretched for a remote destination, plus the part of [from, now)
/// that falls in a holiday.
Seconds effectiveThreshold(const RuleInput& in, Seconds base, Timestamp from);

/// `base` stretched by the cross-border factor for a parcel sent abroad: its
/// flight and customs legs go days without a scan. For gaps between scans
/// only (stalled, pickup_overdue), not for the first answer or a delivery round.
Seconds crossBorderGap(const RuleInput& in, Seconds base);

/// Sent abroad: a destination country other than China, or a UPU S10 postal
/// item number.
bool isCrossBorder(const Parcel& p);

/// The newest event of one of `kinds`, or nullptr.
const TrackingEvent* lastOf(const Timeline& t, std::initializer_list<EventKind> kinds);

/// City names compare with or without the trailing 市 ("杭州" == "杭州市").
/// Inline and allocation-free: misroute and false-sign rules call it per event.
inline bool sameCity(std::string_view a, std::string_view b) {
  constexpr std::string_view kShi = "市";
  if (a.size() > b.size()) std::swap(a, b);
  return a == b || (!a.empty() && b.size() == a.size() + kShi.size() && b.starts_with(a) &&
                    b.ends_with(kShi));
}

/// True for scans that mean the parcel is being delivered in its destination city.
bool isDeliveryStage(EventKind k);

}  // namespace pw
