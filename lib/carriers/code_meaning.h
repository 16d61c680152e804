#pragma once
// What an aggregator's status code says about one event, and how that is
// combined with what the event's text says: codes win on the kind, the text
// refines a generic transit code (which hub) and names the signer and the
// reason more precisely than a code can.
#include "model/event_detail.h"
#include "model/event_kind.h"
#include "model/tracking_event.h"

#include <optional>

namespace pw {

struct CodeMeaning {
  EventKind kind = EventKind::unknown;
  EventReason reason = EventReason::none;
  SignerType signer = SignerType::unknown;
};

/// Sets kind, reason, signer type and signer of `ev` from its code (if any)
/// and its description.
void classifyEvent(const std::optional<CodeMeaning>& coded, TrackingEvent& ev);

}  // namespace pw
