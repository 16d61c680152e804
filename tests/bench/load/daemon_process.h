#pragma once
// The real parcelwatchd under load: started with a NOTIFY_SOCKET of our own
// (a datagram socket, as systemd gives it) so the time from start to READY=1
// is measured the way systemd sees it. If it exits or is not ready in time,
// the constructor throws with its stderr.
#include "load/child_process.h"
#include "load/proc_stats.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace pw::load {

class NotifySocket;

class DaemonProcess {
 public:
  DaemonProcess(const std::string& binary, const std::filesystem::path& config,
                const std::filesystem::path& folder, std::chrono::seconds readyTimeout);
  ~DaemonProcess();

  /// From just before fork to the READY=1 datagram.
  double readyMs() const { return readyMs_; }
  pid_t pid() const { return process_.pid(); }
  Memory memory() const { return memoryOf(process_.pid()); }
  bool running() { return process_.running(); }
  std::string err() const { return process_.err(); }
  /// SIGTERM and wait (SIGKILL after `grace`); returns the milliseconds it took.
  double stop(std::chrono::milliseconds grace);

 private:
  int run_;
  std::unique_ptr<NotifySocket> notify_;  // bound before the daemon starts
  std::chrono::steady_clock::time_point started_;
  ChildProcess process_;
  double readyMs_ = 0;
};

}  // namespace pw::load
