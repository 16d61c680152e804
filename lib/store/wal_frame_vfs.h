#pragma once
// A SQLite VFS over the default ("unix") that writes a commit's frames of the
// write-ahead log in one system call instead of two a page. SQLite writes a frame
// as its 24-byte header and then, at the next offset, its page: two pwrite64 for
// every page a commit changes, about 3.7 a poll in a 300,000-parcel round, and a
// system call costs more than the copy it makes on the machines we run on.
// Here the frames written one after the other at the end of the log are held as
// one run, and the run goes to the file in one write when the page of a commit's
// last frame is written (within that call, whose error is SQLite's), before
// another frame would take it past the 128 KiB the unix VFS writes in one call,
// or before anything else is done to the file (a read, a sync, a write
// elsewhere). SQLite publishes a commit (the wal-index header) only after
// the write of its last frame returned, so no reader, and no recovery after a
// crash, can meet a committed frame that is not on disk, as with the default
// VFS; the frames of a transaction not yet committed are not read by anyone but
// the writer, whose reads send the run first. A run that could not be written is
// kept and written again before anything else, but for a commit's: SQLite rolls
// that transaction back, and its frames must not reach the file later, where the
// next recovery would find a commit whose caller was told it failed.
namespace pw::store {

/// The VFS's name, registered (not as the default) on the first call.
const char* walFrameVfs();

}  // namespace pw::store
