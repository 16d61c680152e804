#include "notify/robot_signature.h"

#include "notify/crypto.h"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace pw::notify {

std::string urlEncode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string dingtalkSign(std::string_view secret, std::int64_t timestampMillis) {
  std::string toSign = std::to_string(timestampMillis) + "\n" + std::string(secret);
  return urlEncode(base64(hmacSha256(secret, toSign)));
}

std::string dingtalkSignedUrl(std::string_view url, std::string_view secret,
                              std::int64_t timestampMillis) {
  std::string out(url);
  out += url.find('?') == std::string_view::npos ? '?' : '&';
  out += "timestamp=" + std::to_string(timestampMillis) +
         "&sign=" + dingtalkSign(secret, timestampMillis);
  return out;
}

std::string feishuSign(std::string_view secret, std::int64_t timestampSeconds) {
  std::string key = std::to_string(timestampSeconds) + "\n" + std::string(secret);
  return base64(hmacSha256(key, ""));
}

}  // namespace pw::notify
