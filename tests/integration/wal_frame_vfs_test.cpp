// The store's VFS writes a commit's frames of the write-ahead log in one system call (up to the
// 128 KiB the unix VFS writes at once), and the log it leaves is one SQLite recovers whole: a
// copy of the files taken while the store is open (what kill -9 leaves) holds every committed
// row, and a commit whose frames could not be written is not in it.
#include "store/wal_frame_vfs.h"
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <filesystem>
#include <map>

#include <sys/types.h>
#include <unistd.h>

using namespace pw;
using namespace std::chrono;

namespace {

// The sizes of the writes the unix VFS makes, by way of its replaceable system calls.
std::map<std::size_t, int>* g_writes = nullptr;
sqlite3_syscall_ptr g_pwrite64 = nullptr;
sqlite3_syscall_ptr g_pwrite = nullptr;
sqlite3_syscall_ptr g_write = nullptr;
// Writes of more than a frame fail with ENOSPC while this is above 0, counting down.
int g_failRuns = 0;

ssize_t countPwrite64(int fd, const void* buf, size_t n, off64_t at) {
  if (g_failRuns > 0 && n > 4096 + 24) {
    --g_failRuns;
    errno = ENOSPC;
    return -1;
  }
  if (g_writes) ++(*g_writes)[n];
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off64_t)>(g_pwrite64)(fd, buf, n,
                                                                                      at);
}
ssize_t countPwrite(int fd, const void* buf, size_t n, off_t at) {
  if (g_writes) ++(*g_writes)[n];
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(g_pwrite)(fd, buf, n, at);
}
ssize_t countWrite(int fd, const void* buf, size_t n) {
  if (g_writes) ++(*g_writes)[n];
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t)>(g_write)(fd, buf, n);
}

struct CountedWrites {
  std::map<std::size_t, int> sizes;
  sqlite3_vfs* unix_vfs = sqlite3_vfs_find("unix");
  CountedWrites() {
    g_pwrite64 = unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
    g_pwrite = unix_vfs->xGetSystemCall(unix_vfs, "pwrite");
    g_write = unix_vfs->xGetSystemCall(unix_vfs, "write");
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite64",
                             reinterpret_cast<sqlite3_syscall_ptr>(&countPwrite64));
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite",
                             reinterpret_cast<sqlite3_syscall_ptr>(&countPwrite));
    unix_vfs->xSetSystemCall(unix_vfs, "write", reinterpret_cast<sqlite3_syscall_ptr>(&countWrite));
    g_writes = &sizes;
  }
  ~CountedWrites() {
    g_writes = nullptr;
    for (const char* name : {"pwrite64", "pwrite", "write"})
      unix_vfs->xSetSystemCall(unix_vfs, name, nullptr);
  }
  int count() const {
    int n = 0;
    for (const auto& [size, times] : sizes) n += times;
    return n;
  }
};

CommitRequest poll(int n, int events = 30) {
  CommitRequest r;
  r.parcel_id = 1;
  r.now = test::at("2024-05-02T00:00:00Z");
  r.carrier_state = "0";
  r.assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {}};
  };
  for (int i = 0; i < events; ++i) {
    TrackingEvent e;
    e.time = test::at("2024-05-01T00:00:00Z") + seconds(n * 10000 + i);
    e.description = "scan " + std::to_string(n) + "/" + std::to_string(i) + std::string(60, 'x');
    e.kind = EventKind::in_transit;
    r.events.push_back(e);
  }
  return r;
}

// What kill -9 leaves: the files as they are, the store still open. SQLite rebuilds the
// log's index from the frames, checking each one's checksum: one bad frame header and every
// commit from it on would be lost. Returns the events the copy holds.
std::int64_t eventsInACopy(const test::TempDir& dir) {
  auto copy = dir / "copy";
  std::filesystem::remove_all(copy);
  std::filesystem::create_directories(copy);
  std::filesystem::copy_file(dir / "pw.db", copy / "pw.db");
  std::filesystem::copy_file(dir / "pw.db-wal", copy / "pw.db-wal");
  SQLite::Database db((copy / "pw.db").string(), SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  return db.execAndGet("SELECT COUNT(*) FROM events").getInt64();
}

}  // namespace

struct OpenStore {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  int page_size = 0;
  OpenStore() {
    StoreOptions options;
    options.checkpoint_every = milliseconds(0);  // SQLite's own, after 1,000 pages: not reached
    options.event_cap = 100000;                  // every event stays: the count tells the commits
    store = SqliteStore::open(dir / "pw.db", options).value();
    store->addParcel(test::sampleParcel(), test::at("2024-05-01T00:00:00Z")).value();
    page_size = SQLite::Database((dir / "pw.db").string()).execAndGet("PRAGMA page_size").getInt();
  }
  std::size_t frameSize() const { return static_cast<std::size_t>(24 + page_size); }
  std::size_t walSize() const { return std::filesystem::file_size(dir / "pw.db-wal"); }
  bool commit(int n, int events = 30) {
    std::vector<CommitRequest> batch{poll(n, events)};
    auto r = store->commitBatch(std::move(batch));
    return r && r->at(0).has_value();
  }
};

TEST(WalFrameVfs, ACommitsFramesGoToTheLogInOneWriteAndACopyTakenMidwayRecoversEveryCommit) {
  OpenStore s;
  auto walBefore = s.walSize();
  std::map<std::size_t, int> sizes;
  int writes = 0;
  {
    CountedWrites counted;
    for (int n = 0; n < 20; ++n) ASSERT_TRUE(s.commit(n));
    writes = counted.count();
    sizes = counted.sizes;
  }
  std::size_t written = 0;
  for (const auto& [size, times] : sizes) {
    EXPECT_EQ(size % s.frameSize(), 0u) << "a write of whole frames: " << size;
    written += size * static_cast<std::size_t>(times);
  }
  auto frames = (s.walSize() - walBefore) / s.frameSize();
  ASSERT_GT(frames, 40u) << "every commit wrote its pages to the log";
  EXPECT_EQ(writes, 20) << "a write per commit";
  EXPECT_EQ(written, frames * s.frameSize());
  EXPECT_EQ(eventsInACopy(s.dir), 20 * 30);
}

// A commit of more pages than the unix VFS writes at once goes out in writes of whole frames,
// none above its 128 KiB.
TEST(WalFrameVfs, ACommitLargerThanOneWriteGoesOutInWholeFramesUnderTheLimit) {
  OpenStore s;
  std::map<std::size_t, int> sizes;
  {
    CountedWrites counted;
    ASSERT_TRUE(s.commit(0, 3000));
    sizes = counted.sizes;
  }
  int writes = 0;
  std::size_t written = 0;
  for (const auto& [size, times] : sizes) {
    EXPECT_EQ(size % s.frameSize(), 0u) << size;
    EXPECT_LE(size, 0x1ffffu);
    writes += times;
    written += size * static_cast<std::size_t>(times);
  }
  EXPECT_GT(written, std::size_t{3} * 0x1ffff) << "a commit of several writes";
  // Each write as full as the limit allows, the last one excepted.
  const std::size_t perWrite = 0x1ffff / s.frameSize();
  const std::size_t frames = written / s.frameSize();
  EXPECT_EQ(static_cast<std::size_t>(writes), (frames + perWrite - 1) / perWrite);
  EXPECT_EQ(eventsInACopy(s.dir), 3000);
  EXPECT_EQ(s.store->timeline(1).value().size(), 3000u);
}

// The disk full at a commit: the commit fails and is in no copy; the frames SQLite was told
// were written earlier are written again before anything else, and the next commit holds.
TEST(WalFrameVfs, ACommitWhoseFramesCannotBeWrittenFailsAndTheNextOneHolds) {
  OpenStore s;
  ASSERT_TRUE(s.commit(0));
  CountedWrites counted;  // and made to fail
  g_failRuns = 1;
  EXPECT_FALSE(s.commit(1));
  g_failRuns = 0;
  EXPECT_EQ(eventsInACopy(s.dir), 30);
  ASSERT_TRUE(s.commit(2));
  // Full from the first 128 KiB of a large commit on, long before its last frame: the frames
  // held are written again before the next commit's, which holds.
  g_failRuns = 1000;
  EXPECT_FALSE(s.commit(3, 3000));
  g_failRuns = 0;
  EXPECT_EQ(eventsInACopy(s.dir), 30 + 30);
  ASSERT_TRUE(s.commit(4, 3000));
  ASSERT_TRUE(s.commit(5));
  EXPECT_EQ(eventsInACopy(s.dir), 30 + 30 + 3000 + 30);
  EXPECT_EQ(s.store->counts().value().events, 30 + 30 + 3000 + 30);
}

// A checkpoint moves the log into the database and the next commit writes the log from its
// start again: its frames are still written whole, and the store reads back what it wrote.
TEST(WalFrameVfs, TheLogWrittenFromItsStartAgainAfterACheckpointStaysWhole) {
  test::TempDir dir;
  auto path = dir / "pw.db";
  StoreOptions options;
  options.checkpoint_every = milliseconds(0);
  {
    auto store = SqliteStore::open(path, options).value();
    store->addParcel(test::sampleParcel(), test::at("2024-05-01T00:00:00Z")).value();
    for (int n = 0; n < 10; ++n) {
      std::vector<CommitRequest> batch{poll(n)};
      ASSERT_TRUE(store->commitBatch(std::move(batch)));
      if (n % 3 == 2) {
        SQLite::Database other(path.string(), SQLite::OPEN_READWRITE);
        other.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    }
    EXPECT_EQ(store->counts().value().events, 10 * 30);
    EXPECT_EQ(eventsInACopy(dir), 10 * 30);
  }
  auto store = SqliteStore::open(path, options).value();
  EXPECT_EQ(store->counts().value().events, 10 * 30);
  EXPECT_EQ(store->timeline(1).value().size(), 10u * 30u);
  EXPECT_STREQ(store::walFrameVfs(), "pw-wal-frames");
}
