#pragma once
#include "carriers/code_meaning.h"

#include <optional>
#include <string_view>

namespace pw::kuaidiniao {

/// Meaning of a Kuaidiniao `State`/`StateEx`/`Action` code.
std::optional<CodeMeaning> meaningOfCode(std::string_view code);

}  // namespace pw::kuaidiniao
