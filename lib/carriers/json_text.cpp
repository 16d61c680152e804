#include "carriers/json_text.h"

#include <boost/json.hpp>

namespace pw {

std::string scalarText(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  const auto& v = it->value();
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return {};
}

}  // namespace pw
