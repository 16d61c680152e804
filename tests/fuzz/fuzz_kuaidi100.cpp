// libFuzzer target: Kuaidi100 query answers (and, through them, the classifier
// and time parsing). Must never crash, hang or leak on any body.
#include "carriers/kuaidi100/kuaidi100_codec.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pw::Kuaidi100Codec codec({"http://x", "C", "K", pw::TimeZone::shanghai()});
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)codec.parseBody(body);
  return 0;
}
