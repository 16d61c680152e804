// The store's checkpointer thread on a real SQLite file: commits leave the
// log to it, the log is moved into the database file while the writer goes
// on, and nothing committed is lost when the store closes.
#include "store/wal_checkpointer.h"
#include "store/sqlite_store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace pw {
namespace {

Assessment inTransit(const Parcel&, const Timeline&, const ClaimFacts&) {
  return Assessment{ParcelStage::in_transit, {}};
}

// Frames in the log after `commits` rounds of commits to 200 parcels, a
// pause, and one more commit. A writer starts the log over only when a
// checkpoint moved all of it into the file before its transaction began.
int logFramesAfterAPause(const std::filesystem::path& file,
                         std::chrono::milliseconds checkpointEvery) {
  StoreOptions options;
  options.checkpoint_every = checkpointEvery;
  auto store = SqliteStore::open(file, options).value();
  Timestamp now(Seconds(1714521600));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 200; ++i)
    ids.push_back(
        store->addParcel(test::sampleParcel("YT77" + std::to_string(100000 + i)), now).value().id);
  for (int round = 0; round < 5; ++round)
    for (auto id : ids) store->commitPoll(id, {test::hubScan(round)}, "0", now, inTransit).value();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  store->commitPoll(ids[0], {test::hubScan(5)}, "0", now, inTransit).value();
  for (auto id : ids) EXPECT_GE(store->timeline(id).value().size(), 5u);
  SQLite::Database probe(file.string(), SQLite::OPEN_READWRITE);
  SQLite::Statement q(probe, "PRAGMA wal_checkpoint(PASSIVE)");
  q.executeStep();
  return q.getColumn(1).getInt();
}

TEST(WalCheckpointer, MovesTheLogIntoTheFileWhileTheWriterGoesOn) {
  test::TempDir dir;
  // Without the thread the writer checkpoints every 1,000 pages by itself
  // (SQLite's default), so the log holds what came since the last time.
  int without = logFramesAfterAPause(dir / "a.db", std::chrono::milliseconds(0));
  int with = logFramesAfterAPause(dir / "b.db", std::chrono::milliseconds(20));
  EXPECT_LT(with, 50) << "the thread moved the whole log during the pause";
  EXPECT_GT(without, with);
  // Closed with its checkpointer: everything committed is there again.
  auto again = SqliteStore::open(dir / "b.db").value();
  EXPECT_EQ(again->counts().value().events, 1001);
}

TEST(WalCheckpointer, CountsItsRunsAndStopsAtOnce) {
  test::TempDir dir;
  auto store = SqliteStore::open(dir / "pw.db").value();
  store.reset();
  auto started = std::chrono::steady_clock::now();
  {
    store::WalCheckpointer checkpointer(dir / "pw.db", std::chrono::milliseconds(10));
    EXPECT_TRUE(test::waitFor([&] { return checkpointer.runs() >= 3; }, std::chrono::seconds(5),
                              "three checkpoints"));
    EXPECT_EQ(checkpointer.failures(), 0u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(WalCheckpointer, AMissingFileIsAFailureNotACrash) {
  test::TempDir dir;
  store::WalCheckpointer checkpointer(dir / "gone.db", std::chrono::milliseconds(10));
  EXPECT_TRUE(test::waitFor([&] { return checkpointer.failures() >= 2; }, std::chrono::seconds(5),
                            "two failed checkpoints"));
}

}  // namespace
}  // namespace pw
