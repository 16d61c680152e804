#pragma once
// Giving freed memory back to the system, whichever allocator the daemon was
// linked with (CMake's PW_MALLOC): glibc keeps freed memory in its arenas,
// tcmalloc in its page heap, and one large answer would otherwise leave the
// daemon that much larger for good.

namespace pw {

/// Returns the allocator's free pages to the system (malloc_trim(0) under
/// glibc, MallocExtension::ReleaseFreeMemory under tcmalloc).
void releaseFreeMemory();

/// Tunes the allocator for a long-running daemon whose resident memory has a
/// bound (issue 11: 512 MiB at a million parcels); nothing under glibc. Call
/// once at start.
void tuneAllocator();

/// "tcmalloc" or "glibc": what the running binary allocates with.
const char* allocatorName();

}  // namespace pw
