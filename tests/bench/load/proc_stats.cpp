#include "load/proc_stats.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
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

// The fields of /proc/PID/stat after the command name, which may hold spaces:
// f[0] is field 3 (state), f[1] field 4 (ppid), f[11] and f[12] utime and
// stime, f[13] and f[14] cutime and cstime. Empty when the process is gone.
std::vector<std::string> statFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  std::getline(in, all);
  auto close = all.rfind(')');
  if (close == std::string::npos || close + 2 > all.size()) return {};
  std::istringstream fields(all.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s && f.size() < 15;) f.push_back(s);
  if (f.size() < 15) return {};
  return f;
}

}  // namespace

double cpuSeconds(pid_t pid) {
  auto f = statFields(pid);
  if (f.empty()) return 0;
  return (std::stod(f[11]) + std::stod(f[12])) / ticksPerSecond();
}

pid_t parentOf(pid_t pid) {
  auto f = statFields(pid);
  return f.empty() ? 0 : static_cast<pid_t>(std::stol(f[1]));
}

double treeCpuSeconds(pid_t pid) {
  auto f = statFields(pid);
  if (f.empty()) return 0;
  double ticks = std::stod(f[11]) + std::stod(f[12]) + std::stod(f[13]) + std::stod(f[14]);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto c = statFields(static_cast<pid_t>(std::stol(name)));
    if (!c.empty() && c[1] == std::to_string(pid)) ticks += std::stod(c[11]) + std::stod(c[12]);
  }
  return ticks / ticksPerSecond();
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
