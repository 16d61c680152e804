#include "load/child_process.h"

#include "load/exit_cleanup.h"
#include "support/temp_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

extern char** environ;

namespace pw::load {

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& folder, const std::string& name,
                           const std::vector<std::string>& extraEnv)
    : out_(folder / (name + ".out")), err_(folder / (name + ".err")) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.insert(env.end(), extraEnv.begin(), extraEnv.end());
  std::vector<std::string> args = argv;
  std::vector<char*> argp, envp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int fout = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int ferr = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int fin = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fout < 0 || ferr < 0 || fin < 0) throw std::runtime_error("cannot create " + out_.string());
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    // ExitCleanup blocks the stop signals in the load program; the daemon
    // must get its SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(fin, 0);
    ::dup2(fout, 1);
    ::dup2(ferr, 2);
    ::execve(argp[0], argp.data(), envp.data());
    ::_exit(127);
  }
  ::close(fout);
  ::close(ferr);
  ::close(fin);
  if (pid_ < 0) throw std::runtime_error("fork failed for " + argv.front());
  ExitCleanup::addProcess(pid_);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) stop(std::chrono::seconds(10));
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      ExitCleanup::forgetProcess(pid_);
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ChildProcess::signal(int signo) const {
  if (!status_) ::kill(pid_, signo);
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto st = wait(grace)) return *st;
  signal(SIGKILL);
  return wait(std::chrono::hours(1)).value_or(-1);
}

std::string ChildProcess::out() const { return test::readFile(out_); }
std::string ChildProcess::err() const { return test::readFile(err_); }

}  // namespace pw::load
