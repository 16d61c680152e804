#include "load/cpu_meter.h"

#include "load/proc_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace pw::load {

std::string CpuShare::text() const {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "daemon %.2f cores, load program %.2f, others %.2f (load average %.1f -> %.1f)%s",
                daemon, self, others, load_before, load_after,
                disturbed() ? "  DISTURBED: repeat when the machine is quiet" : "");
  return buf;
}

CpuMeter::CpuMeter(pid_t daemon)
    : daemon_(daemon),
      start_(std::chrono::steady_clock::now()),
      daemon0_(cpuSeconds(daemon)),
      self0_(cpuSeconds(::getpid())),
      machine0_(machineBusySeconds()),
      load0_(loadAverage()) {}

CpuShare CpuMeter::stop() const {
  CpuShare s;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (s.seconds <= 0) return s;
  s.daemon = (cpuSeconds(daemon_) - daemon0_) / s.seconds;
  s.self = (cpuSeconds(::getpid()) - self0_) / s.seconds;
  double machine = (machineBusySeconds() - machine0_) / s.seconds;
  s.others = std::max(0.0, machine - s.daemon - s.self);
  s.load_before = load0_;
  s.load_after = loadAverage();
  return s;
}

}  // namespace pw::load
