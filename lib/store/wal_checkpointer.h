#pragma once
// Moves the SQLite write-ahead log back into the database file on a thread
// of its own. Left to SQLite, the connection that commits runs the checkpoint
// (every 1,000 pages) and its fsync inside the commit: on the event loop, where
// one slow flush stalls every push, poll and control command behind it (a
// second and more on a busy disk). Here the loop's connection only appends
// to the log; this thread's connection runs PASSIVE checkpoints, which never
// wait for the writer nor block it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

namespace pw::store {

class WalCheckpointer {
 public:
  /// Starts checkpointing `file` every `every` until destroyed.
  WalCheckpointer(std::filesystem::path file, std::chrono::milliseconds every);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  /// Checkpoints that ran, and those that failed (logged, then retried).
  std::uint64_t runs() const;
  std::uint64_t failures() const;

 private:
  void run();

  std::filesystem::path file_;
  std::chrono::milliseconds every_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::uint64_t runs_ = 0;
  std::uint64_t failures_ = 0;
  std::thread thread_;
};

}  // namespace pw::store
