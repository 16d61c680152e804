// libFuzzer target: control-socket request lines and the parcel objects in them.
#include "control/envelope.h"
#include "model/parcel_json.h"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto req = pw::control::parseRequest(line);
  if (req) {
    if (auto it = req->arguments.find("parcels");
        it != req->arguments.end() && it->value().is_array())
      for (const auto& p : it->value().get_array()) (void)pw::parcelFromJson(p);
  }
  return 0;
}
