#include "load/exit_cleanup.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace pw::load {

namespace {

std::mutex mu;
std::vector<pid_t> processes;
std::vector<std::filesystem::path> folders;

sigset_t stopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

[[noreturn]] void cleanUpAndExit(int signo) {
  std::lock_guard lock(mu);
  // Processes first: a daemon still writing would race the folder's removal.
  for (pid_t pid : processes) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  for (const auto& folder : folders) {
    std::error_code ignored;
    std::filesystem::remove_all(folder, ignored);
  }
  std::fprintf(stderr,
               "\ninterrupted by signal %d: %zu process(es) killed, %zu folder(s) removed\n", signo,
               processes.size(), folders.size());
  std::_Exit(128 + signo);
}

}  // namespace

void ExitCleanup::install() {
  sigset_t set = stopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer closing a socket mid-write must be an error code, not a death.
  ::signal(SIGPIPE, SIG_IGN);
  std::thread([set] {
    int signo = 0;
    while (sigwait(&set, &signo) != 0) {
    }
    cleanUpAndExit(signo);
  }).detach();
}

void ExitCleanup::addProcess(pid_t pid) {
  std::lock_guard lock(mu);
  processes.push_back(pid);
}

void ExitCleanup::forgetProcess(pid_t pid) {
  std::lock_guard lock(mu);
  std::erase(processes, pid);
}

void ExitCleanup::addFolder(const std::filesystem::path& folder) {
  std::lock_guard lock(mu);
  folders.push_back(folder);
}

void ExitCleanup::forgetFolder(const std::filesystem::path& folder) {
  std::lock_guard lock(mu);
  std::erase(folders, folder);
}

}  // namespace pw::load
