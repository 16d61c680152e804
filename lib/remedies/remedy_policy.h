#pragma once
// Maps a finding to what an agent should do, following the after-sales
// scripts: soothe first and give a date, verify with the carrier when the gap
// grows, reship or refund once the parcel is probably lost.
#include "model/finding.h"
#include "model/parcel.h"
#include "model/remedy.h"

namespace pw {

struct RemedyPolicy {
  /// A stall this many times its threshold is escalated to the carrier.
  int contact_carrier_factor = 2;
  /// After this long without a scan a parcel is treated as lost (Route and
  /// the platforms use 7 days for domestic parcels).
  Seconds presume_lost_after = std::chrono::hours(7 * 24);
  /// A buyer with this many "not received" claims in `claim_window` gets a
  /// manual review instead of an automatic refund or reship.
  int repeated_claims = 3;
  /// Orders worth at least this need a person's approval before a reship,
  /// refund or compensation (0: never).
  double high_value = 2000;
  Seconds claim_window = std::chrono::hours(30 * 24);
};

/// `buyerClaims`: this buyer's "not received" claims within the policy's window.
Suggestion suggestRemedy(const Finding& finding, const Parcel& parcel, const RemedyPolicy& policy,
                         int buyerClaims = 0);

}  // namespace pw
