#pragma once
// Who used the machine's cores during a measurement: the daemon, this load
// program (its client and fake carrier), and everything else. On a shared
// 2-core box "others" is what makes a figure unreliable, so it is printed
// next to every rate.
#include <chrono>
#include <string>

#include <sys/types.h>

namespace pw::load {

struct CpuShare {
  double seconds = 0;  // wall time measured
  double daemon = 0;   // cores (1.0 = one core fully busy)
  double self = 0;
  double others = 0;
  double load_before = 0, load_after = 0;

  /// "daemon 0.97 cores, load program 0.80, others 0.05 (load average 0.4 -> 1.6)".
  std::string text() const;
  /// Others used more than a fifth of a core: the figure was disturbed.
  bool disturbed() const { return others > 0.2; }
};

class CpuMeter {
 public:
  explicit CpuMeter(pid_t daemon);
  CpuShare stop() const;

 private:
  pid_t daemon_;
  std::chrono::steady_clock::time_point start_;
  double daemon0_, self0_, machine0_, load0_;
};

}  // namespace pw::load
