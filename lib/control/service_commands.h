#pragma once
#include "control/command_registry.h"
#include "polling/service_api.h"

#include <functional>

namespace pw::control {

/// status, track, rerun, tasks: the commands backed by the polling service.
/// `statsExtra`, if set, adds to the `stats` answer's data (the notification sinks).
void addServiceCommands(CommandRegistry& registry, ServiceApi& service, std::string version,
                        std::function<void(boost::json::object&)> statsExtra = {});

}  // namespace pw::control
