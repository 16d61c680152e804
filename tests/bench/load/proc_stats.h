#pragma once
// What /proc says about a process and the machine: CPU time, memory, load.
#include <cstdint>
#include <string>

#include <sys/types.h>

namespace pw::load {

/// utime + stime of a process, in seconds (0 if it is gone).
double cpuSeconds(pid_t pid);
/// A server's CPU with its workers': the process's own, its reaped children's (a
/// PostgreSQL backend that ended) and its live children's, so a worker ending
/// mid-measurement moves its time from one term to another and loses none.
double treeCpuSeconds(pid_t pid);
/// The parent of a process (0 if it is gone): a PostgreSQL backend's is the postmaster.
pid_t parentOf(pid_t pid);
/// Busy (non-idle, non-iowait) CPU time of the whole machine, in seconds, all cores.
double machineBusySeconds();

struct Memory {
  std::int64_t rss_kib = 0;  // VmRSS
  std::int64_t hwm_kib = 0;  // VmHWM: the peak resident set
};
Memory memoryOf(pid_t pid);

/// The 1-minute load average.
double loadAverage();
/// Online cores.
int cores();

/// "2 cores, load average 0.42, 2026-11-24 14:10 UTC": the first line of a run's report.
std::string describeMachine();

}  // namespace pw::load
