#pragma once
// Most Chinese carriers send only free text. The classifier is an ordered
// table of keyword rules, first match wins, so the order encodes precedence:
// customs, refusals, returns and failures before "签收"; the courier's
// "签收" at pickup before signatures; "凭取货码签收" (the buyer's own pickup)
// before the locker and station rules. Extending it is adding a row; the
// labelled corpus in tests/data/corpus measures every change.
#include "model/event_detail.h"
#include "model/event_kind.h"

#include <string>
#include <string_view>

namespace pw {

struct TextClass {
  EventKind kind = EventKind::unknown;
  EventReason reason = EventReason::none;
  SignerType signer_type = SignerType::none;
  std::string signer;  // as written after "签收人："
};

TextClass classifyText(std::string_view description);

/// The signer of a signature text ("门卫" -> reception); none if not a signature.
SignerType signerTypeOf(std::string_view description);
/// Why a failure/problem text says it happened.
EventReason reasonOf(std::string_view description);

}  // namespace pw
