#pragma once
// Runs the real binaries for end-to-end tests: output goes to files in a
// folder so a failing test can print it, and every wait has a deadline.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace pw::test {

class Subprocess {
 public:
  /// Starts `argv` with stdout/stderr redirected to files in `outDir`, and
  /// `stdinText` (if any) fed to standard input.
  Subprocess(std::vector<std::string> argv, const std::filesystem::path& outDir,
             std::optional<std::string> stdinText = std::nullopt,
             std::vector<std::string> extraEnv = {});
  ~Subprocess();  // kills it (SIGKILL) if still running

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  /// Exit status (or 128+signal), or nullopt if still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_, err_;
};

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs to completion (at most `timeout`, then killed).
RunResult run(std::vector<std::string> argv, const std::filesystem::path& outDir,
              std::optional<std::string> stdinText = std::nullopt,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace pw::test
