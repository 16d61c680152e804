// libFuzzer target: 17TRACK gettrackinfo answers and webhook bodies.
#include "carriers/seventeen_track/seventeen_track_codec.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pw::SeventeenTrackCodec codec({"http://x", "T"});
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)codec.parseBatch(body);
  return 0;
}
