// libFuzzer target: configuration files as TOML text, through toml++ and the
// key table's every applier and cross-key check. Relative paths resolve
// against the shipped conf/ folder, so the message templates load as in a
// real start-up. Must never crash, hang or throw.
#include "config/config_loader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)pw::parseConfig(text, std::string(PW_CONF_DIR) + "/fuzz.toml");
  return 0;
}
