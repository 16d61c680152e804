#pragma once
// The group robots' own signing (integrations.md §1, §3). Both sign
// timestamp + "\n" + secret with HMAC-SHA256, but differently:
//  - DingTalk 加签: key = secret, message = that text; base64, then URL-encoded,
//    sent as &timestamp=<ms>&sign=<...> in the query; ms within 1 h of DingTalk's clock.
//  - Feishu: key = that text, message = empty; base64, not URL-encoded, sent as
//    "timestamp" (seconds, a string) and "sign" in the JSON body.
// WeCom robots have no signing: the key in the URL is the credential.
#include <cstdint>
#include <string>
#include <string_view>

namespace pw::notify {

/// DingTalk's `sign` query value, already URL-encoded.
std::string dingtalkSign(std::string_view secret, std::int64_t timestampMillis);
/// The robot URL with &timestamp=...&sign=... appended.
std::string dingtalkSignedUrl(std::string_view url, std::string_view secret,
                              std::int64_t timestampMillis);
/// Feishu's `sign` body field (base64).
std::string feishuSign(std::string_view secret, std::int64_t timestampSeconds);
/// Percent-encodes everything but RFC 3986 unreserved characters, as Java's
/// URLEncoder and Python's quote_plus do for base64 text ('+', '/', '=').
std::string urlEncode(std::string_view text);

}  // namespace pw::notify
