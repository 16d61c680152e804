#pragma once
// Most Chinese carriers send only free text. The classifier is an ordered
// table of keyword rules, first match wins, so the order encodes precedence:
// failures and refusals before "签收", "凭取货码签收" (the buyer's own pickup)
// before the locker rule, and so on. Extending it is adding a row.
#include "model/event_kind.h"

#include <string_view>

namespace pw {

EventKind classifyText(std::string_view description);

}  // namespace pw
