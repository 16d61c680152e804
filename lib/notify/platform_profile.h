#pragma once
// What each receiving platform allows (integrations.md), in one table so the
// policy and the message builders agree:
//  - DingTalk: 20 messages a minute per robot, then throttled for 10 minutes.
//    No size limit was found in its documentation; we cap text at 4,000 bytes
//    so a card stays readable on a phone.
//  - WeCom: 20 a minute per robot. text is at most 2,048 bytes (official);
//    markdown's 4,096 is not verified, so markdown is held to 2,048 as well.
//  - Feishu: 100 a minute and 5 a second per bot; the request body at most
//    20 KB (held to 20,000 bytes).
// The robots' windows get 2 s of margin: they count arrivals, we count sends.
#include "notify/sink_config.h"

#include <cstddef>
#include <vector>

namespace pw::notify {

struct PlatformProfile {
  std::vector<RateLimit> rate_limits;
  Millis throttle_pause{0};        // hold after a "rate limited" answer without Retry-After
  std::size_t max_text_bytes = 0;  // message text (markdown) cap; 0: none
  std::size_t max_body_bytes = 0;  // whole request body cap; 0: none
  bool folds = false;              // bursts become one digest message
  std::size_t max_digest_events = 1;
  int default_max_in_flight = 1;
};

const PlatformProfile& platformProfile(SinkType type);

}  // namespace pw::notify
