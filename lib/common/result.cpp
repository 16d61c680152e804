#include "common/result.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<ErrorCode, 10> kNames{{
    {ErrorCode::invalid_input, "invalid_input"},
    {ErrorCode::not_found, "not_found"},
    {ErrorCode::conflict, "conflict"},
    {ErrorCode::transient, "transient"},
    {ErrorCode::carrier, "carrier"},
    {ErrorCode::no_result, "no_result"},
    {ErrorCode::not_registered, "not_registered"},
    {ErrorCode::permission, "permission"},
    {ErrorCode::io, "io"},
    {ErrorCode::internal, "internal"},
}};
}  // namespace

std::string_view toString(ErrorCode code) { return kNames.name(code); }

void throw_exception_from_error(Error const& e, boost::source_location const&) {
  throw ErrorException(e);
}

}  // namespace pw
