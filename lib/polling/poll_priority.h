#pragma once
// How much a poll matters when queries are short: ordered, lowest first.
#include <string_view>

namespace pw {

enum class PollPriority {
  safety_net,  // a push-subscribed parcel checked in case a push was lost
  routine,     // the stage's normal cadence, nothing imminent
  watched,     // an event is likely soon (first poll, out for delivery, a failed attempt)
  at_risk,     // a detection threshold was crossed and is not checked yet; a rerun
};

std::string_view toString(PollPriority p);

}  // namespace pw
