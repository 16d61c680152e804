#pragma once
#include "control/command_registry.h"
#include "notify/notify_service.h"

namespace pw::control {

/// outbox, outbox-retry, notify-test: the notification sinks' commands.
void addNotifyCommands(CommandRegistry& registry, notify::NotifyService& notify);

}  // namespace pw::control
