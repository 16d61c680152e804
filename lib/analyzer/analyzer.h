#pragma once
// The offline analyzer behind `parcelwatchctl analyze`: one case (a parcel,
// an as_of instant, an aggregator name and that aggregator's response body as
// received) through the same codecs, normalization, rules and remedy policy
// as the daemon, with no daemon, no store and no network.
//
// A case file:
//   {"parcel": {...}, "as_of": "2024-05-06T12:00:00+08:00",
//    "source": "kuaidi100" | "kuaidiniao" | "17track",
//    "response": {...the aggregator's body...},
//    "buyer_claims_not_received": false}          (optional)
#include "common/result.h"
#include "config/config.h"
#include "model/assessment.h"

#include <boost/json/object.hpp>

#include <string_view>

namespace pw {

/// The case's verdict as one JSON object: tracking_number, state, events,
/// exceptions (kind, since, severity, evidence, remedy, reason, message).
/// Errors name the field that is wrong.
Result<boost::json::object> analyzeCase(std::string_view caseJson, const Config& config);

/// "high", "medium" or "low": how soon a person should act.
std::string_view severityOf(ExceptionKind kind);

/// One exception as the analyzer prints it (kind, since, severity, detail,
/// evidence, remedy, reason, message).
boost::json::object issueToJson(const Issue& issue);

}  // namespace pw
