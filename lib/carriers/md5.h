#pragma once
#include <string>
#include <string_view>

namespace pw {

/// MD5 digest in upper-case hex (Kuaidi100's `sign`), computed with OpenSSL.
std::string md5HexUpper(std::string_view data);

}  // namespace pw
