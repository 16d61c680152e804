#include "notify/webhook_signature.h"

#include "notify/crypto.h"

#include <charconv>
#include <optional>
#include <vector>

namespace pw::notify {

namespace {

std::string expectedV1(std::string_view secret, std::string_view t, std::string_view body) {
  std::string material;
  material.reserve(t.size() + 1 + body.size());
  material.append(t).append(".").append(body);
  return hexLower(hmacSha256(secret, material));
}

}  // namespace

std::string webhookSignature(std::string_view secret, std::int64_t unixSeconds,
                             std::string_view body) {
  std::string t = std::to_string(unixSeconds);
  return "t=" + t + ",v1=" + expectedV1(secret, t, body);
}

Result<void> verifyWebhookSignature(std::string_view header, std::string_view secret,
                                    std::string_view body, std::int64_t nowUnixSeconds,
                                    std::chrono::seconds tolerance) {
  std::optional<std::string_view> t;
  std::vector<std::string_view> v1s;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      return makeError(ErrorCode::invalid_input, "signature header: part without '='");
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "t")
      t = value;
    else if (key == "v1")
      v1s.push_back(value);
    // Unknown schemes (a future v2) are ignored so receivers keep working.
  }
  if (!t) return makeError(ErrorCode::invalid_input, "signature header: no t=");
  if (v1s.empty()) return makeError(ErrorCode::invalid_input, "signature header: no v1=");
  std::int64_t sent = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), sent);
  if (ec != std::errc() || end != t->data() + t->size())
    return makeError(ErrorCode::invalid_input, "signature header: t is not a number");
  std::int64_t skew = sent > nowUnixSeconds ? sent - nowUnixSeconds : nowUnixSeconds - sent;
  if (skew > tolerance.count())
    return makeError(ErrorCode::invalid_input, "signature timestamp " + std::string(*t) + " is " +
                                                   std::to_string(skew) + "s from now (tolerance " +
                                                   std::to_string(tolerance.count()) + "s)");
  std::string expected = expectedV1(secret, *t, body);
  for (auto v1 : v1s)
    if (constantTimeEqual(v1, expected)) return {};
  return makeError(ErrorCode::invalid_input, "signature mismatch");
}

}  // namespace pw::notify
