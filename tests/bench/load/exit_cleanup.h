#pragma once
// Whatever way a load program ends (return, exception, Ctrl-C, SIGTERM) the
// daemons and tools it started are killed and its folders removed: a load run
// shares its machine with other engineers and must leave nothing behind.
//
// install() blocks SIGINT, SIGTERM and SIGHUP in the calling thread (so in
// every thread started after it) and starts one thread that waits for them,
// cleans up and exits. Children must unblock them before exec (ChildProcess
// does). A SIGKILLed load program cannot clean up its folders; its children
// still die with it (PR_SET_PDEATHSIG).
#include <filesystem>

#include <sys/types.h>

namespace pw::load {

class ExitCleanup {
 public:
  /// Call first thing in main, before any thread is started.
  static void install();

  static void addProcess(pid_t pid);
  static void forgetProcess(pid_t pid);
  static void addFolder(const std::filesystem::path& folder);
  static void forgetFolder(const std::filesystem::path& folder);
};

}  // namespace pw::load
