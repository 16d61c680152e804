// libFuzzer target: Kuaidi100 query answers and push form bodies (and, through
// them, the classifier and time parsing). Must never crash, hang or leak.
#include "carriers/kuaidi100/kuaidi100_codec.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pw::Kuaidi100Codec codec = [] {
    pw::Kuaidi100Settings s{"http://x", "C", "K", pw::TimeZone::shanghai()};
    s.salt = "";  // no salt: every push reaches the parser
    return pw::Kuaidi100Codec(s);
  }();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)codec.parseBody(body);
  (void)codec.parsePush(body);
  return 0;
}
