#pragma once
// Who used the machine's cores during a measurement: the daemon, this load
// program (its client and fake carrier), and everything else. On a shared
// 2-core box "others" is what makes a figure unreliable, so it is printed
// next to every rate.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace pw::load {

struct CpuShare {
  double seconds = 0;  // wall time measured
  double daemon = 0;   // cores (1.0 = one core fully busy); of all the daemons
  double self = 0;
  double others = 0;
  std::optional<double> database;  // the PostgreSQL server, when measured apart
  double load_before = 0, load_after = 0;

  /// "daemon 0.97 cores, load program 0.80, others 0.05 (load average 0.4 -> 1.6)".
  std::string text() const;
  /// Others used more than a fifth of a core: the figure was disturbed.
  bool disturbed() const { return others > 0.2; }
};

class CpuMeter {
 public:
  explicit CpuMeter(pid_t daemon) : CpuMeter(std::vector<pid_t>{daemon}) {}
  /// Several daemons (the nodes of a cluster), and the database server's
  /// process tree (its postmaster; 0: none, so it counts among the others).
  explicit CpuMeter(std::vector<pid_t> daemons, pid_t database = 0);
  CpuShare stop() const;

 private:
  double daemonSeconds() const;

  std::vector<pid_t> daemons_;
  pid_t database_;
  std::chrono::steady_clock::time_point start_;
  double daemon0_, database0_, self0_, machine0_, load0_;
};

}  // namespace pw::load
