#pragma once
#include <string_view>

namespace pw {

/// Compares a received signature or secret with the expected one in time that
/// depends only on their lengths (OpenSSL CRYPTO_memcmp), so a forger learns
/// nothing from how fast a guess is refused.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace pw
