#include "load/wrk_runner.h"

#include "load/child_process.h"
#include "load/proc_stats.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pw::load {

namespace {

std::string after(const std::string& text, const std::string& label) {
  auto at = text.find(label);
  if (at == std::string::npos) return "";
  at += label.size();
  auto end = text.find('\n', at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

double number(const std::string& s) {
  std::istringstream in(s);
  double v = 0;
  in >> v;
  return v;
}

}  // namespace

std::optional<std::string> findWrk() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "wrk";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

WrkResult runWrk(const std::string& wrk, const std::string& url, const std::string& body,
                 int connections, std::chrono::seconds duration,
                 const std::filesystem::path& folder) {
  static std::atomic<int> runs{0};
  std::string name = "wrk" + std::to_string(runs++);
  auto script = folder / (name + ".lua");
  {
    // A form-encoded body is plain ASCII without "]==]": a long string holds it as is.
    std::ofstream out(script);
    out << "wrk.method = \"POST\"\n"
        << "wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
        << "wrk.body = [==[" << body << "]==]\n";
  }
  int threads = std::clamp(cores(), 1, connections);
  ChildProcess p({wrk, "-t" + std::to_string(threads), "-c" + std::to_string(connections),
                  "-d" + std::to_string(duration.count()) + "s", "-s", script.string(), url},
                 folder, name);
  auto status = p.wait(duration + std::chrono::seconds(30));
  if (!status) p.stop(std::chrono::seconds(1));
  std::string out = p.out();
  WrkResult r;
  r.requests_per_second = number(after(out, "Requests/sec:"));
  auto total = out.find(" requests in ");
  if (total != std::string::npos) {
    auto line = out.rfind('\n', total);
    r.requests = static_cast<std::uint64_t>(number(out.substr(line + 1, total - line - 1)));
  }
  r.non_2xx = static_cast<std::uint64_t>(number(after(out, "Non-2xx or 3xx responses:")));
  r.socket_errors = after(out, "Socket errors:");
  if (status != 0 || r.requests_per_second <= 0)
    throw std::runtime_error("wrk failed (status " + std::to_string(status.value_or(-1)) + "):\n" +
                             out + p.err());
  return r;
}

}  // namespace pw::load
