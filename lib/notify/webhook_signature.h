#pragma once
// How a receiver knows a webhook call is ours and fresh (README "Notifications"):
//   X-Parcelwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
// The timestamp is inside the signed text, so a captured call cannot be replayed
// later with a new one; each retry is signed anew with the time it is sent.
// Receivers should accept any v1 that matches (several may be sent while a
// secret is being rotated) and refuse a t far from their clock.
#include "common/result.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace pw::notify {

inline constexpr std::string_view kSignatureHeader = "X-Parcelwatch-Signature";
inline constexpr std::string_view kEventIdHeader = "X-Parcelwatch-Event-Id";
inline constexpr std::string_view kEventHeader = "X-Parcelwatch-Event";

/// The header value for `body` sent at `unixSeconds`.
std::string webhookSignature(std::string_view secret, std::int64_t unixSeconds,
                             std::string_view body);

/// Checks a received header against the raw body: well formed, `t` within
/// `tolerance` of `nowUnixSeconds`, and one `v1` equal to ours (compared in
/// constant time). The error says which check failed.
Result<void> verifyWebhookSignature(std::string_view header, std::string_view secret,
                                    std::string_view body, std::int64_t nowUnixSeconds,
                                    std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace pw::notify
