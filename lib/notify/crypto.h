#pragma once
// The few primitives signing needs, all from OpenSSL: HMAC-SHA256, base64, and
// a comparison whose time does not depend on where the inputs differ.
#include <string>
#include <string_view>

namespace pw::notify {

/// The raw 32-byte HMAC-SHA256 of `message` under `key`.
std::string hmacSha256(std::string_view key, std::string_view message);
std::string hexLower(std::string_view bytes);
/// Standard base64 with padding, no line breaks.
std::string base64(std::string_view bytes);
bool constantTimeEqual(std::string_view a, std::string_view b);

}  // namespace pw::notify
