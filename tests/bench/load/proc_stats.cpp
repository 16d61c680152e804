#include "load/proc_stats.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

namespace pw::load {

namespace {

double ticksPerSecond() { return static_cast<double>(::sysconf(_SC_CLK_TCK)); }

std::int64_t kib(const std::string& line) {
  std::istringstream in(line.substr(line.find(':') + 1));
  std::int64_t v = 0;
  in >> v;
  return v;
}

}  // namespace

double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  std::getline(in, all);
  // The command name (field 2) may hold spaces; fields are counted after its ')'.
  auto close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(all.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s && f.size() < 13;) f.push_back(s);
  if (f.size() < 13) return 0;
  // After ')': state(3) ... utime is field 14, stime 15 of the full line.
  return (std::stod(f[11]) + std::stod(f[12])) / ticksPerSecond();
}

double machineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;  // "cpu": the sum over all cores
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
}

Memory memoryOf(pid_t pid) {
  Memory m;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = kib(line);
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = kib(line);
  }
  return m;
}

double loadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

int cores() { return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)); }

std::string describeMachine() {
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  char buf[128];
  std::snprintf(buf, sizeof buf, "%d cores, load average %.2f, %s", cores(), loadAverage(), when);
  return buf;
}

}  // namespace pw::load
