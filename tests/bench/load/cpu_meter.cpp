#include "load/cpu_meter.h"

#include "load/proc_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace pw::load {

std::string CpuShare::text() const {
  char db[64] = "";
  if (database) std::snprintf(db, sizeof db, "PostgreSQL %.2f, ", *database);
  char buf[260];
  std::snprintf(buf, sizeof buf,
                "daemon %.2f cores, %sload program %.2f, others %.2f (load average %.1f -> %.1f)%s",
                daemon, db, self, others, load_before, load_after,
                disturbed() ? "  DISTURBED: repeat when the machine is quiet" : "");
  return buf;
}

CpuMeter::CpuMeter(std::vector<pid_t> daemons, pid_t database)
    : daemons_(std::move(daemons)),
      database_(database),
      start_(std::chrono::steady_clock::now()),
      daemon0_(daemonSeconds()),
      database0_(database ? treeCpuSeconds(database) : 0),
      self0_(cpuSeconds(::getpid())),
      machine0_(machineBusySeconds()),
      load0_(loadAverage()) {}

double CpuMeter::daemonSeconds() const {
  double sum = 0;
  for (pid_t pid : daemons_) sum += cpuSeconds(pid);
  return sum;
}

CpuShare CpuMeter::stop() const {
  CpuShare s;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (s.seconds <= 0) return s;
  s.daemon = (daemonSeconds() - daemon0_) / s.seconds;
  s.self = (cpuSeconds(::getpid()) - self0_) / s.seconds;
  if (database_) s.database = (treeCpuSeconds(database_) - database0_) / s.seconds;
  double machine = (machineBusySeconds() - machine0_) / s.seconds;
  s.others = std::max(0.0, machine - s.daemon - s.self - s.database.value_or(0));
  s.load_before = load0_;
  s.load_after = loadAverage();
  return s;
}

}  // namespace pw::load
