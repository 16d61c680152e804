#pragma once
#include "config/config.h"
#include "control/envelope.h"

#include <string>
#include <vector>

namespace pw::control {

/// `config`: the running configuration, one "key = value" per key (secrets
/// masked by the loader), plus the keys a reload read but cannot apply yet
/// (shown with their running value).
Answer configAnswer(const Config& config, const std::vector<std::string>& restartNeeded);

}  // namespace pw::control
