#pragma once
// Aggregators send scalars as strings, but integrators have seen numbers and
// nulls in the same fields: read any of them as text, anything else as empty.
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace pw {

std::string scalarText(const boost::json::object& o, std::string_view key);

}  // namespace pw
