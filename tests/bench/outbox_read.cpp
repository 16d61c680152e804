// How fast the SQLite store gives back its outbox lines: what `parcelwatchctl follow` pages
// through (readOutbox, pages of 1,000) and what a sink reads (outboxAfter, pages of 256), over
// a copy of a database (bench_load's, say). Rows written before schema 11 are read as stored,
// rows written after are rebuilt from their task (store/outbox_lines.h): run it on a file of
// each kind to compare. Usage: bench_outbox_read FILE [ROUNDS]
//
// The file is copied first (opening migrates it) and the copy removed at the end.
#include "store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

using namespace pw;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

struct Pass {
  std::int64_t rows = 0, bytes = 0;
  double seconds = 0;
};

template <class Read>
Pass timed(int rounds, Read read) {
  Pass best;
  for (int r = 0; r < rounds; ++r) {
    Pass p;
    auto t0 = Steady::now();
    read(p);
    p.seconds = std::chrono::duration<double>(Steady::now() - t0).count();
    if (r == 0 || p.seconds < best.seconds) best = p;
  }
  return best;
}

void print(const char* what, const Pass& p) {
  std::printf("  %-34s %8lld rows, %6.1f MiB of lines in %7.1f ms: %9.0f rows/s\n", what,
              static_cast<long long>(p.rows), static_cast<double>(p.bytes) / (1 << 20),
              p.seconds * 1000, static_cast<double>(p.rows) / p.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_outbox_read FILE [ROUNDS]\n");
    return 64;
  }
  int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  fs::path copy =
      fs::temp_directory_path() / ("bench_outbox_read_" + std::to_string(::getpid()) + ".db");
  fs::copy_file(argv[1], copy, fs::copy_options::overwrite_existing);
  {
    // A sink that has delivered nothing, so outboxAfter reads every row.
    SQLite::Database db(copy.string(), SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TABLE IF NOT EXISTS notify_sinks (name TEXT PRIMARY KEY, "
        "delivered_through INTEGER NOT NULL) WITHOUT ROWID");
    db.exec("INSERT OR REPLACE INTO notify_sinks (name, delivered_through) VALUES ('bench', 0)");
  }
  auto store = SqliteStore::open(copy);
  if (!store) {
    std::fprintf(stderr, "bench_outbox_read: %s\n", store.error().message.c_str());
    return 1;
  }
  Store& s = **store;
  {
    SQLite::Database db(copy.string(), SQLite::OPEN_READONLY);
    std::printf("bench_outbox_read: %s, best of %d\n", argv[1], rounds);
    SQLite::Statement q(db,
                        "SELECT event, form, count(*), avg(length(payload)) FROM outbox "
                        "GROUP BY event, form ORDER BY 1, 2");
    while (q.executeStep())
      std::printf("  stored: %-18s form %d  %7d rows, payload %6.1f bytes on average\n",
                  q.getColumn(0).getText(), q.getColumn(1).getInt(), q.getColumn(2).getInt(),
                  q.getColumn(3).getDouble());
  }
  auto follow = timed(rounds, [&](Pass& p) {
    std::int64_t after = 0;
    while (true) {
      auto page = s.readOutbox(after, 1000);
      if (!page || page->empty()) break;
      for (const auto& e : *page) p.bytes += static_cast<std::int64_t>(e.payload.size());
      p.rows += static_cast<std::int64_t>(page->size());
      after = page->back().seq;
    }
  });
  print("readOutbox, pages of 1000", follow);
  auto sink = timed(rounds, [&](Pass& p) {
    std::int64_t after = 0;
    while (true) {
      auto page = s.outboxAfter("bench", after, 256);
      if (!page || page->empty()) break;
      for (const auto& r : *page) p.bytes += static_cast<std::int64_t>(r.payload.size());
      p.rows += static_cast<std::int64_t>(page->size());
      after = page->back().seq;
    }
  });
  print("outboxAfter (a sink), pages of 256", sink);
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(copy.string() + suffix);
  return 0;
}
