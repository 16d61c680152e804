#pragma once
#include <string>
#include <string_view>

namespace pw {

/// MD5 digest in upper-case hex (Kuaidi100's `sign`), computed with OpenSSL.
std::string md5HexUpper(std::string_view data);
/// MD5 digest in lower-case hex (the input of Kuaidiniao's `DataSign`).
std::string md5HexLower(std::string_view data);
/// Standard base64 (OpenSSL EVP_EncodeBlock), no line breaks.
std::string base64Encode(std::string_view data);

}  // namespace pw
