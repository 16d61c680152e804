#pragma once
#include "control/command_registry.h"
#include "polling/service_api.h"

namespace pw::control {

/// status, track, rerun, tasks: the commands backed by the polling service.
void addServiceCommands(CommandRegistry& registry, ServiceApi& service, std::string version);

}  // namespace pw::control
