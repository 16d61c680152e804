#pragma once
// A program the load run starts (the daemon, wrk): output to files in a
// folder, killed with the load program however that ends (ExitCleanup, and
// PR_SET_PDEATHSIG for a SIGKILL), stopped politely by its destructor.
// Construct it on the main thread: PR_SET_PDEATHSIG follows the thread that forked.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace pw::load {

class ChildProcess {
 public:
  /// Starts argv[0] (a path) with `extraEnv` added; stdout and stderr go to
  /// `folder`/`name`.out and .err. Throws if it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& folder,
               const std::string& name, const std::vector<std::string>& extraEnv = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Exit status (128+signal when killed), or nullopt if still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running() { return !wait(std::chrono::milliseconds(0)); }
  void signal(int signo) const;
  /// SIGTERM, then SIGKILL after `grace`; returns the exit status.
  int stop(std::chrono::milliseconds grace);
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_, err_;
};

}  // namespace pw::load
