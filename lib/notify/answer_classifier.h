#pragma once
// What an answer means for the events it carried. The HTTP status alone is
// not enough: the robots answer 200 to failures and put the verdict in the
// body (DingTalk and WeCom `errcode`, Feishu `code`; integrations.md):
//  - delivered: 2xx and, for robots, errcode/code 0.
//  - rate_limited: HTTP 429, DingTalk 130101 / 410100, WeCom 45009, Feishu
//    11232. The whole sink waits (Retry-After or the platform's throttle).
//  - rejected: the message itself is refused and sending it again cannot
//    help (HTTP 400/413/422, Feishu 9499 "Bad Request" / over 20 KB): parked
//    at once for a person to look at.
//  - retry: everything else, including transport errors, timeouts, 5xx,
//    robot "system busy" (-1) and security failures (DingTalk 310000, Feishu
//    19021/19022/19024): a fixed keyword, whitelist or clock lets the same
//    events through within the retry schedule.
#include "common/http.h"
#include "notify/notify_time.h"
#include "notify/sink_config.h"

#include <optional>
#include <string>

namespace pw::notify {

enum class Verdict { delivered, retry, rate_limited, rejected };
std::string_view toString(Verdict verdict);

struct Answer {
  Verdict verdict = Verdict::retry;
  std::string reason;  // for logs: "HTTP 503", "errcode 130101: send too fast ..."
  std::optional<Millis> retry_after;
  long http_status = 0;  // 0: no HTTP answer
};

Answer classifyAnswer(SinkType type, const Result<HttpResponse>& response);

}  // namespace pw::notify
