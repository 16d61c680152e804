#include "common/free_memory.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

long rssKiB() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The library alone (what the tests link) allocates with glibc; parcelwatchd
// links tcmalloc, which the e2e journal test checks.
TEST(FreeMemory, TheLibraryAloneRunsOnGlibcAndGivesMemoryBack) {
  EXPECT_STREQ(pw::allocatorName(), "glibc");
  pw::tuneAllocator();  // nothing to tune under glibc
  // 64 MiB in small blocks, then one block above them: freed, the blocks
  // become one free chunk in the middle of the heap, which glibc keeps
  // resident until it is asked to give it back.
  constexpr std::size_t kBlock = 1024, kBlocks = 64 * 1024;
  std::vector<char*> blocks;
  blocks.reserve(kBlocks);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    blocks.push_back(static_cast<char*>(std::malloc(kBlock)));
    std::memset(blocks.back(), 1, kBlock);
  }
  char* pin = static_cast<char*>(std::malloc(kBlock));
  std::memset(pin, 1, kBlock);
  for (char* b : blocks) std::free(b);
  long held = rssKiB();
  pw::releaseFreeMemory();
  long released = rssKiB();
  std::free(pin);
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer's allocator is not glibc's: malloc_trim has nothing to give.
  (void)held;
  (void)released;
#else
  EXPECT_LT(released, held - 32 * 1024) << "RSS " << held << " KiB -> " << released << " KiB";
#endif
}

}  // namespace
