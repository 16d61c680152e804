#include "support/subprocess.h"

#include "support/temp_dir.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pw::test {

namespace {
std::atomic<int> counter{0};
}

Subprocess::Subprocess(std::vector<std::string> argv, const std::filesystem::path& outDir,
                       std::optional<std::string> stdinText, std::vector<std::string> extraEnv) {
  int n = counter++;
  out_ = outDir / ("proc" + std::to_string(n) + ".out");
  err_ = outDir / ("proc" + std::to_string(n) + ".err");
  std::filesystem::path in = outDir / ("proc" + std::to_string(n) + ".in");
  {
    FILE* f = fopen(in.c_str(), "w");
    if (f) {
      if (stdinText) fwrite(stdinText->data(), 1, stdinText->size(), f);
      fclose(f);
    }
  }
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (auto& e : extraEnv) env.push_back(e);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fin = open(in.c_str(), O_RDONLY);
    int fout = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ferr = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fin, 0);
    dup2(fout, 1);
    dup2(ferr, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
}

Subprocess::~Subprocess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
  }
}

void Subprocess::signal(int signo) const { ::kill(pid_, signo); }

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool Subprocess::running() { return !wait(std::chrono::milliseconds(0)); }
std::string Subprocess::out() const { return readFile(out_); }
std::string Subprocess::err() const { return readFile(err_); }

RunResult run(std::vector<std::string> argv, const std::filesystem::path& outDir,
              std::optional<std::string> stdinText, std::chrono::milliseconds timeout) {
  Subprocess p(std::move(argv), outDir, std::move(stdinText));
  RunResult r;
  auto st = p.wait(timeout);
  r.status = st ? *st : -1;
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace pw::test
