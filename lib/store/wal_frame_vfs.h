#pragma once
// A SQLite VFS over the default ("unix") that writes each frame of the
// write-ahead log in one system call instead of two. SQLite writes a frame as
// its 24-byte header and then, at the next offset, its page: two pwrite64 for
// every page a commit changes, about 3.7 a poll in a 300,000-parcel round.
// Here a header written at the end of the log waits for the page that follows
// it, and the two go to the file as one write; anything else done to the file
// first (a read, a sync, another write) writes the header alone before it. A
// header is never held past the call that writes its page: SQLite publishes a
// commit (the wal-index header) only after its last frame's page is written,
// so no reader, and no recovery after a crash, can meet a frame that is not
// whole on disk, as with the default VFS. Headers rewritten below the end of
// the log (walRewriteChecksums) are written at once.
namespace pw::store {

/// The VFS's name, registered (not as the default) on the first call.
const char* walFrameVfs();

}  // namespace pw::store
