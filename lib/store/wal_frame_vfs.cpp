#include "store/wal_frame_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace pw::store {

namespace {

constexpr int kFrameHeader = 24;  // WAL_FRAME_HDRSIZE in SQLite's wal.c
// The most the unix VFS writes in one call (seekAndWriteFd masks the size with 0x1ffff): a
// run goes to the file, commit or not, before another frame would take it past this.
constexpr std::size_t kMostInOneWrite = 0x1ffff;

// What a file of this VFS holds: SQLite's handle, then ours, then the real
// (unix) file's, which SQLite sized for us (szOsFile).
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
  // Frames written to the end of the log and not yet to the file: whole frames, then
  // perhaps a header waiting for its page.
  std::vector<unsigned char> run;
  sqlite3_int64 run_at = 0;  // where run[0] goes in the file
  bool header_last = false;  // the run ends with a header
  sqlite3_int64 end = -1;    // where the last write to the log ended
};

File* of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_vfs* realVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int writeReal(File* f, const void* data, int amount, sqlite3_int64 at) {
  int rc = f->real->pMethods->xWrite(f->real, data, amount, at);
  f->end = rc == SQLITE_OK ? at + amount : -1;
  return rc;
}

// The run, in one write: before anything but its next frame touches the file. A run that
// could not be written is kept, and written again by the next flush: SQLite was told its
// frames were written, and a later commit must not go to the file without them. (A run
// that failed at its commit is the exception: see walWrite.)
void drop(File* f) {
  f->run.clear();
  f->header_last = false;
}

int flush(File* f) {
  for (std::size_t done = 0; done < f->run.size(); done += kMostInOneWrite) {
    auto amount = static_cast<int>(std::min(kMostInOneWrite, f->run.size() - done));
    int rc =
        writeReal(f, f->run.data() + done, amount, f->run_at + static_cast<sqlite3_int64>(done));
    if (rc != SQLITE_OK) return rc;
  }
  drop(f);
  return SQLITE_OK;
}

bool append(File* f, const void* data, int amount) {
  try {
    if (f->run.capacity() == 0) f->run.reserve(kMostInOneWrite);
    auto* bytes = static_cast<const unsigned char*>(data);
    f->run.insert(f->run.end(), bytes, bytes + amount);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

// A frame header's second word is the database's size in pages after a commit, 0 in the
// other frames of a transaction.
bool commits(const unsigned char* header) {
  return (header[4] | header[5] | header[6] | header[7]) != 0;
}

int walWrite(File* f, const void* data, int amount, sqlite3_int64 at) {
  bool atRunEnd = !f->run.empty() && at == f->run_at + static_cast<sqlite3_int64>(f->run.size());
  if (atRunEnd && f->header_last && amount != kFrameHeader) {
    // The page of the header held: the frame is whole. The commit's last frame sends the
    // run to the file within this call, its error SQLite's, before SQLite publishes the
    // commit to readers (the wal-index header) and before the commit returns.
    const unsigned char* header = f->run.data() + f->run.size() - kFrameHeader;
    bool commit = commits(header);
    if (append(f, data, amount)) {
      f->header_last = false;
      bool noRoom =
          f->run.size() + kFrameHeader + static_cast<std::size_t>(amount) > kMostInOneWrite;
      if (!commit) return noRoom ? flush(f) : SQLITE_OK;
      int rc = flush(f);
      // Every frame held is the failed commit's: written later, it would be a commit the
      // next recovery finds whole, one SQLite rolled back and its caller was told failed.
      if (rc != SQLITE_OK) drop(f);
      return rc;
    }
  } else if (atRunEnd && !f->header_last && amount == kFrameHeader) {
    if (append(f, data, amount)) {
      f->header_last = true;
      return SQLITE_OK;
    }
  }
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  // A frame's header right after what this file wrote last starts a run: the first frame of
  // a commit (or the first after the log's own header when it starts again). A header
  // rewritten over an earlier frame (walRewriteChecksums) and a page rewritten in place in
  // the log are never there, and go out at once.
  if (amount == kFrameHeader && at == f->end && append(f, data, amount)) {
    f->run_at = at;
    f->header_last = true;
    return SQLITE_OK;
  }
  return writeReal(f, data, amount, at);
}

// Every method but xWrite: the run held first, then the real file's method.
int xClose(sqlite3_file* p) {
  File* f = of(p);
  int held = flush(f);
  int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  f->~File();
  return held != SQLITE_OK ? held : rc;
}
int xRead(sqlite3_file* p, void* out, int amount, sqlite3_int64 at) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, amount, at);
}
int xWrite(sqlite3_file* p, const void* data, int amount, sqlite3_int64 at) {
  File* f = of(p);
  if (f->wal) return walWrite(f, data, amount, at);
  return f->real->pMethods->xWrite(f->real, data, amount, at);
}
int xTruncate(sqlite3_file* p, sqlite3_int64 size) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  f->end = -1;
  return f->real->pMethods->xTruncate(f->real, size);
}
int xSync(sqlite3_file* p, int flags) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}
int xFileSize(sqlite3_file* p, sqlite3_int64* size) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}
int xLock(sqlite3_file* p, int level) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xLock(f->real, level);
}
int xUnlock(sqlite3_file* p, int level) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xUnlock(f->real, level);
}
int xCheckReservedLock(sqlite3_file* p, int* out) {
  File* f = of(p);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int xFileControl(sqlite3_file* p, int op, void* arg) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int xSectorSize(sqlite3_file* p) {
  File* f = of(p);
  return f->real->pMethods->xSectorSize(f->real);
}
int xDeviceCharacteristics(sqlite3_file* p) {
  File* f = of(p);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}
int xShmMap(sqlite3_file* p, int page, int size, int extend, void volatile** out) {
  File* f = of(p);
  return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}
int xShmLock(sqlite3_file* p, int offset, int n, int flags) {
  File* f = of(p);
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void xShmBarrier(sqlite3_file* p) {
  File* f = of(p);
  f->real->pMethods->xShmBarrier(f->real);
}
int xShmUnmap(sqlite3_file* p, int deleteFlag) {
  File* f = of(p);
  return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}
int xFetch(sqlite3_file* p, sqlite3_int64 at, int amount, void** out) {
  File* f = of(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, at, amount, out);
}
int xUnfetch(sqlite3_file* p, sqlite3_int64 at, void* page) {
  File* f = of(p);
  return f->real->pMethods->xUnfetch(f->real, at, page);
}

// The methods of the real file's version: SQLite asks ours for shared memory or memory
// mapping only where the version says it has them (unix's files are version 3).
sqlite3_io_methods methodsOf(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = xClose;
  m.xRead = xRead;
  m.xWrite = xWrite;
  m.xTruncate = xTruncate;
  m.xSync = xSync;
  m.xFileSize = xFileSize;
  m.xLock = xLock;
  m.xUnlock = xUnlock;
  m.xCheckReservedLock = xCheckReservedLock;
  m.xFileControl = xFileControl;
  m.xSectorSize = xSectorSize;
  m.xDeviceCharacteristics = xDeviceCharacteristics;
  if (version >= 2) {
    m.xShmMap = xShmMap;
    m.xShmLock = xShmLock;
    m.xShmBarrier = xShmBarrier;
    m.xShmUnmap = xShmUnmap;
  }
  if (version >= 3) {
    m.xFetch = xFetch;
    m.xUnfetch = xUnfetch;
  }
  return m;
}

const sqlite3_io_methods* methodsFor(const sqlite3_io_methods* real) {
  static const sqlite3_io_methods kMethods[] = {methodsOf(1), methodsOf(2), methodsOf(3)};
  return &kMethods[std::clamp(real->iVersion, 1, 3) - 1];
}

int xOpen(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* p, int flags, int* outFlags) {
  File* f = new (p) File{};
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(p) + sizeof(File));
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  sqlite3_vfs* real = realVfs(vfs);
  std::memset(f->real, 0, static_cast<std::size_t>(real->szOsFile));
  int rc = real->xOpen(real, name, f->real, flags, outFlags);
  if (!f->real->pMethods) {
    f->base.pMethods = nullptr;  // SQLite calls no method, xClose included
    f->~File();
    return rc;
  }
  f->base.pMethods = methodsFor(f->real->pMethods);
  return rc;
}

// The rest is the real VFS's.
int xDelete(sqlite3_vfs* v, const char* name, int syncDir) {
  return realVfs(v)->xDelete(realVfs(v), name, syncDir);
}
int xAccess(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return realVfs(v)->xAccess(realVfs(v), name, flags, out);
}
int xFullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return realVfs(v)->xFullPathname(realVfs(v), name, n, out);
}
void* xDlOpen(sqlite3_vfs* v, const char* name) { return realVfs(v)->xDlOpen(realVfs(v), name); }
void xDlError(sqlite3_vfs* v, int n, char* out) { realVfs(v)->xDlError(realVfs(v), n, out); }
void (*xDlSym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return realVfs(v)->xDlSym(realVfs(v), h, sym);
}
void xDlClose(sqlite3_vfs* v, void* h) { realVfs(v)->xDlClose(realVfs(v), h); }
int xRandomness(sqlite3_vfs* v, int n, char* out) {
  return realVfs(v)->xRandomness(realVfs(v), n, out);
}
int xSleep(sqlite3_vfs* v, int us) { return realVfs(v)->xSleep(realVfs(v), us); }
int xCurrentTime(sqlite3_vfs* v, double* out) { return realVfs(v)->xCurrentTime(realVfs(v), out); }
int xGetLastError(sqlite3_vfs* v, int n, char* out) {
  return realVfs(v)->xGetLastError(realVfs(v), n, out);
}
int xCurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) {
  return realVfs(v)->xCurrentTimeInt64(realVfs(v), out);
}
int xSetSystemCall(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr call) {
  return realVfs(v)->xSetSystemCall(realVfs(v), name, call);
}
sqlite3_syscall_ptr xGetSystemCall(sqlite3_vfs* v, const char* name) {
  return realVfs(v)->xGetSystemCall(realVfs(v), name);
}
const char* xNextSystemCall(sqlite3_vfs* v, const char* name) {
  return realVfs(v)->xNextSystemCall(realVfs(v), name);
}

}  // namespace

const char* walFrameVfs() {
  static const char* const kName = "pw-wal-frames";
  static sqlite3_vfs vfs{};
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* real = sqlite3_vfs_find("unix");
    if (!real || real->iVersion < 3) throw std::runtime_error("SQLite has no unix VFS");
    vfs.iVersion = 3;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = kName;
    vfs.pAppData = real;
    vfs.xOpen = xOpen;
    vfs.xDelete = xDelete;
    vfs.xAccess = xAccess;
    vfs.xFullPathname = xFullPathname;
    vfs.xDlOpen = xDlOpen;
    vfs.xDlError = xDlError;
    vfs.xDlSym = xDlSym;
    vfs.xDlClose = xDlClose;
    vfs.xRandomness = xRandomness;
    vfs.xSleep = xSleep;
    vfs.xCurrentTime = xCurrentTime;
    vfs.xGetLastError = xGetLastError;
    vfs.xCurrentTimeInt64 = xCurrentTimeInt64;
    vfs.xSetSystemCall = xSetSystemCall;
    vfs.xGetSystemCall = xGetSystemCall;
    vfs.xNextSystemCall = xNextSystemCall;
    if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK)
      throw std::runtime_error("cannot register SQLite VFS " + std::string(kName));
  });
  return kName;
}

}  // namespace pw::store
