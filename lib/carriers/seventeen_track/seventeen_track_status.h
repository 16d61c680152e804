#pragma once
#include "carriers/code_meaning.h"

#include <optional>
#include <string_view>

namespace pw::seventeen_track {

/// Meaning of a 17TRACK sub-status ("InTransit_PickedUp") or main status ("Delivered").
std::optional<CodeMeaning> meaningOfStatus(std::string_view status);

}  // namespace pw::seventeen_track
