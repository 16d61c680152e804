#include "store/wal_checkpointer.h"

#include "common/log.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace pw::store {

WalCheckpointer::WalCheckpointer(std::filesystem::path file, std::chrono::milliseconds every)
    : file_(std::move(file)), every_(every), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t WalCheckpointer::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

std::uint64_t WalCheckpointer::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

void WalCheckpointer::run() {
  std::unique_ptr<SQLite::Database> db;
  bool warned = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    bool ok = true;
    try {
      if (!db) db = std::make_unique<SQLite::Database>(file_.string(), SQLite::OPEN_READWRITE);
      db->exec("PRAGMA wal_checkpoint(PASSIVE)");
      warned = false;
    } catch (const std::exception& e) {
      ok = false;
      db.reset();  // opened again next time
      // Once per run of failures: the writer's own backstop keeps the log
      // bounded meanwhile (wal_autocheckpoint).
      if (!warned)
        subsystemLogger("store")->warn("WAL_CHECKPOINT_FAILED file={} error=\"{}\"", file_.string(),
                                       e.what());
      warned = true;
    }
    lock.lock();
    ++runs_;
    if (!ok) ++failures_;
  }
}

}  // namespace pw::store
