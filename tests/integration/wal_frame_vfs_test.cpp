// The store's VFS writes each frame of the write-ahead log in one system call, and the log it
// leaves is one SQLite recovers whole: a copy of the files taken while the store is open (what
// kill -9 leaves) holds every committed row.
#include "store/wal_frame_vfs.h"
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

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

ssize_t countPwrite64(int fd, const void* buf, size_t n, off64_t at) {
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

CommitRequest poll(int n) {
  CommitRequest r;
  r.parcel_id = 1;
  r.now = test::at("2024-05-02T00:00:00Z");
  r.carrier_state = "0";
  r.assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{ParcelStage::in_transit, {}};
  };
  for (int i = 0; i < 30; ++i) {
    TrackingEvent e;
    e.time = test::at("2024-05-01T00:00:00Z") + seconds(n * 30 + i);
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

TEST(WalFrameVfs, EachLogFrameIsOneWriteAndACopyTakenMidwayRecoversEveryCommit) {
  test::TempDir dir;
  auto path = dir / "pw.db";
  StoreOptions options;
  options.checkpoint_every = milliseconds(0);  // SQLite's own, after 1,000 pages: not reached
  options.event_cap = 100000;                  // every event stays: the count tells the commits
  auto store = SqliteStore::open(path, options).value();
  store->addParcel(test::sampleParcel(), test::at("2024-05-01T00:00:00Z")).value();
  auto walBefore = std::filesystem::file_size(dir / "pw.db-wal");
  const int pageSize = SQLite::Database(path.string()).execAndGet("PRAGMA page_size").getInt();
  int writes = 0;
  std::map<std::size_t, int> sizes;
  {
    CountedWrites counted;
    for (int n = 0; n < 20; ++n) {
      std::vector<CommitRequest> batch{poll(n)};
      auto r = store->commitBatch(std::move(batch));
      ASSERT_TRUE(r && r->at(0).has_value());
    }
    writes = counted.count();
    sizes = counted.sizes;
  }
  auto frames = static_cast<int>((std::filesystem::file_size(dir / "pw.db-wal") - walBefore) /
                                 static_cast<std::size_t>(24 + pageSize));
  ASSERT_GT(frames, 40) << "every commit wrote its pages to the log";
  EXPECT_EQ(writes, frames) << "a write per frame";
  EXPECT_EQ(sizes[24], 0) << "no frame header written alone";
  EXPECT_EQ(sizes[static_cast<std::size_t>(24 + pageSize)], frames);
  EXPECT_EQ(eventsInACopy(dir), 20 * 30);
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
