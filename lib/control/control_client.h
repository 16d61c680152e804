#pragma once
// A blocking client for the control socket, used by parcelwatchctl and tests.
// Failure kinds map to exit codes: ErrorCode::not_found = daemon unreachable,
// ErrorCode::transient = timed out, ErrorCode::invalid_input = bad answer.
#include "common/result.h"
#include "control/envelope.h"

#include <chrono>
#include <filesystem>

namespace pw::control {

Result<Answer> call(const std::filesystem::path& socketPath, const Request& request,
                    std::chrono::milliseconds timeout);

}  // namespace pw::control
