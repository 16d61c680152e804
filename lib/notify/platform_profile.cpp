#include "notify/platform_profile.h"

namespace pw::notify {

namespace {

using namespace std::chrono_literals;

const PlatformProfile kWebhook{
    .rate_limits = {},
    .throttle_pause = 60s,
    .max_text_bytes = 0,
    .max_body_bytes = 0,
    .folds = false,
    .max_digest_events = 1,
    .default_max_in_flight = 4,
};

const PlatformProfile kDingtalk{
    .rate_limits = {{20, 62s}},
    .throttle_pause = 10min,
    .max_text_bytes = 4000,
    .max_body_bytes = 0,
    .folds = true,
    .max_digest_events = 20,
    .default_max_in_flight = 1,
};

const PlatformProfile kWecom{
    .rate_limits = {{20, 62s}},
    .throttle_pause = 60s,
    .max_text_bytes = 2048,
    .max_body_bytes = 0,
    .folds = true,
    .max_digest_events = 20,
    .default_max_in_flight = 1,
};

const PlatformProfile kFeishu{
    .rate_limits = {{100, 62s}, {5, 1200ms}},
    .throttle_pause = 60s,
    .max_text_bytes = 0,
    .max_body_bytes = 20000,
    .folds = true,
    .max_digest_events = 30,
    .default_max_in_flight = 1,
};

}  // namespace

const PlatformProfile& platformProfile(SinkType type) {
  switch (type) {
    case SinkType::dingtalk:
      return kDingtalk;
    case SinkType::wecom:
      return kWecom;
    case SinkType::feishu:
      return kFeishu;
    case SinkType::webhook:
      break;
  }
  return kWebhook;
}

}  // namespace pw::notify
