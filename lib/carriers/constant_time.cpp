#include "carriers/constant_time.h"

#include <openssl/crypto.h>

namespace pw {

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Signatures have a fixed length; a length mismatch reveals nothing secret.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pw
