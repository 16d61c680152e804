// libFuzzer target: Kuaidiniao answers and push form bodies.
#include "carriers/kuaidiniao/kuaidiniao_codec.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pw::KuaidiniaoCodec codec(
      {"http://x", "1", "KEY", "8001", pw::TimeZone::shanghai()});
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)codec.parseBody(body);
  (void)codec.parsePush(body);
  return 0;
}
