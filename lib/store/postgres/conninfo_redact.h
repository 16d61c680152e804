#pragma once
// A conninfo may hold a password, and libpq's messages can quote pieces of the conninfo (a
// malformed one especially): what reaches a terminal or a log goes through this first.
#include <string>
#include <string_view>

namespace pw::pg {

/// `text` with every password `conninfo` holds (password=... or a URI's user:password@, as
/// written and percent-decoded) replaced by "********".
std::string withoutPassword(std::string text, std::string_view conninfo);

}  // namespace pw::pg
