#pragma once
// One daemon per state folder: a second one is refused before it touches the database or the
// control socket (Kea's rule, after CVE-2025-32801). `--migrate-to-postgres` takes the same lock,
// so it never copies a database a daemon is writing, and no daemon starts during the copy.
#include <filesystem>

namespace pw {

class InstanceLock {
 public:
  /// Takes the lock on `file` (creating it) and writes this process's pid into it. Throws
  /// std::runtime_error naming the holder's pid when another process holds it.
  explicit InstanceLock(const std::filesystem::path& file);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace pw
