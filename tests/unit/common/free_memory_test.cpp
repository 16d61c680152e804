#include "common/free_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

namespace {

// The library alone (what the tests link) allocates with glibc; parcelwatchd
// links tcmalloc, which the e2e journal test checks.
TEST(FreeMemory, TheLibraryAloneRunsOnGlibcAndGivesMemoryBack) {
  EXPECT_STREQ(pw::allocatorName(), "glibc");
  pw::tuneAllocator();  // nothing to tune under glibc
  auto block = std::make_unique<char[]>(32 << 20);
  std::memset(block.get(), 1, 32 << 20);
  block.reset();
  pw::releaseFreeMemory();
  std::string after(64, 'x');  // the allocator still works after giving pages back
  EXPECT_EQ(after.size(), 64u);
}

}  // namespace
