#include "carriers/code_meaning.h"

#include "carriers/text_classifier.h"

namespace pw {

void classifyEvent(const std::optional<CodeMeaning>& coded, TrackingEvent& ev) {
  TextClass text = classifyText(ev.description);
  if (!coded) {
    ev.kind = text.kind;
    ev.reason = text.reason;
    ev.signer_type = text.signer_type;
    ev.signer = text.signer;
    return;
  }
  ev.kind = coded->kind;
  // Aggregators code a pickup point's receipt as "signed"; the text says the
  // buyer still has to collect it, which is what pickup_overdue needs.
  if (ev.kind == EventKind::signed_ && coded->signer == SignerType::unknown &&
      text.kind == EventKind::stored_for_pickup)
    ev.kind = EventKind::stored_for_pickup;
  if (ev.kind == EventKind::in_transit &&
      (text.kind == EventKind::arrived_hub || text.kind == EventKind::departed_hub ||
       text.kind == EventKind::arrived_delivery_station))
    ev.kind = text.kind;
  ev.reason = coded->reason;
  if (ev.kind == text.kind && text.reason != EventReason::none && text.reason != EventReason::other)
    ev.reason = text.reason;
  if (ev.kind == EventKind::signed_) {
    ev.signer = text.signer;
    ev.signer_type = text.signer_type != SignerType::unknown && text.signer_type != SignerType::none
                         ? text.signer_type
                         : coded->signer;
  }
}

}  // namespace pw
