#pragma once
#include "control/command_registry.h"
#include "store/store.h"

namespace pw::control {

/// Most events one `outbox-read` answers with: one indexed page, so a call never holds up the
/// event loop however far behind the caller is.
inline constexpr int kOutboxReadMaxLimit = 1000;

/// outbox-read: a page of committed alert events after a seq, for `parcelwatchctl follow`.
/// `store` is a connection used on the event loop's thread (the notification sinks' one).
void addOutboxReadCommand(CommandRegistry& registry, Store& store);

}  // namespace pw::control
