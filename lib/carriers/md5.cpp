#include "carriers/md5.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace pw {

namespace {

// Fetched once: OpenSSL 3 fetches EVP_md5() from its provider store again at
// every digest (a lock and a table lookup), most of signing a query. Falls
// back to that where the fetch fails (a provider without MD5 fails both).
const EVP_MD* md5Algorithm() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return fetched ? fetched : EVP_md5();
}

std::string md5Hex(std::string_view data, const char* digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md5Algorithm(), nullptr) != 1)
    throw std::runtime_error("OpenSSL EVP_Digest(MD5) failed");
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(digits[digest[i] >> 4]);
    out.push_back(digits[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string md5HexUpper(std::string_view data) { return md5Hex(data, "0123456789ABCDEF"); }
std::string md5HexLower(std::string_view data) { return md5Hex(data, "0123456789abcdef"); }

std::string base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace pw
