#pragma once
#include "carriers/code_meaning.h"
#include "model/parcel.h"

#include <optional>
#include <string_view>

namespace pw::kuaidi100 {

/// Meaning of a `statusCode` (resultv2=4) or a base `state`; nullopt when unknown.
std::optional<CodeMeaning> meaningOfStatusCode(std::string_view code);
/// Event kind for a status name such as "在途" (resultv2=1).
std::optional<EventKind> kindForStatusName(std::string_view name);
/// Final stage for a parcel-level `state`: 3 signed, 4/14 returned.
std::optional<ParcelStage> finalStageForState(std::string_view state);

}  // namespace pw::kuaidi100
