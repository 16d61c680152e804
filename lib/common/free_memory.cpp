#include "common/free_memory.h"

#include <malloc.h>

#include <cstddef>

// tcmalloc's C interface (gperftools/malloc_extension_c.h), declared weak: a
// binary linked with tcmalloc_minimal has them, the tests and tools that link
// this library alone do not, and they keep glibc's malloc_trim.
extern "C" {
__attribute__((weak)) void MallocExtension_ReleaseFreeMemory(void);
__attribute__((weak)) int MallocExtension_SetNumericProperty(const char* property,
                                                             std::size_t value);
}

namespace pw {

namespace {
bool tcmalloc() { return MallocExtension_ReleaseFreeMemory != nullptr; }
}  // namespace

void releaseFreeMemory() {
  if (tcmalloc())
    MallocExtension_ReleaseFreeMemory();
  else
    ::malloc_trim(0);
}

void tuneAllocator() {
  if (!tcmalloc() || MallocExtension_SetNumericProperty == nullptr) return;
  // Spans freed go back to the system at once instead of being kept for reuse.
  // Kept, they held the daemon 50 MiB larger during a reassess --all, and
  // over the 512 MiB bound at a million parcels; the price is a reassess that
  // runs about 40 % longer, the poll path does not see it (tests/bench/README.md).
  MallocExtension_SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
}

const char* allocatorName() { return tcmalloc() ? "tcmalloc" : "glibc"; }

}  // namespace pw
