#pragma once
// What every aggregator codec does the same way on the wire: form encoding,
// reading a JSON object, and telling retryable HTTP statuses from final ones.
#include "common/http.h"
#include "common/result.h"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pw {

/// application/x-www-form-urlencoded value (Boost.URL, unreserved characters kept).
std::string formEncode(std::string_view value);

/// The body as a JSON value that is an object; the error names the aggregator.
Result<boost::json::value> parseJsonObject(std::string_view body, std::string_view aggregator);

/// nullopt for 200; transient for 408, 429 and 5xx (worth retrying); carrier otherwise.
std::optional<Error> httpStatusError(const HttpResponse& response, std::string_view aggregator);

}  // namespace pw
