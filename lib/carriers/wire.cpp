#include "carriers/wire.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace pw {

std::string formEncode(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

Result<boost::json::value> parseJsonObject(std::string_view body, std::string_view aggregator) {
  boost::system::error_code ec;
  // One arena for the whole document, freed with it: a node per allocation
  // was most of a small answer's parse.
  boost::json::value root = boost::json::parse(
      body, ec, boost::json::make_shared_resource<boost::json::monotonic_resource>());
  if (ec)
    return makeError(ErrorCode::carrier,
                     std::string(aggregator) + " answer is not JSON: " + ec.message());
  if (!root.is_object())
    return makeError(ErrorCode::carrier, std::string(aggregator) + " answer is not an object");
  return root;
}

std::optional<Error> httpStatusError(const HttpResponse& r, std::string_view aggregator) {
  if (r.status == 200) return std::nullopt;
  std::string text = std::string(aggregator) + " HTTP " + std::to_string(r.status);
  if (r.status == 429 || r.status == 408 || r.status >= 500)
    return makeError(ErrorCode::transient, std::move(text));
  return makeError(ErrorCode::carrier, std::move(text));
}

}  // namespace pw
