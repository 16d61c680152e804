#include "load/daemon_process.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cstdlib>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace pw::load {

using Clock = std::chrono::steady_clock;

// Bound before the daemon starts, closed (and unlinked) once READY=1 came:
// later notifications then fail quietly in the daemon, as without systemd.
class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind " + path_.string() + ": " + std::strerror(errno));
  }
  ~NotifySocket() {
    ::close(fd_);
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  /// Whether a datagram holding READY=1 arrived within `wait`.
  bool ready(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 &&
           std::string_view(buf, static_cast<size_t>(n)).find("READY=1") != std::string_view::npos;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

namespace {

// Each start of the daemon gets its own notify socket and output files.
int nextRun() {
  static std::atomic<int> n{0};
  return n++;
}

}  // namespace

// PW_BENCH_DAEMON runs another build's daemon under the same load program:
// a before/after pair measured with one client and one fake carrier.
static std::string daemonBinary(const std::string& built) {
  const char* other = std::getenv("PW_BENCH_DAEMON");
  return other && *other ? std::string(other) : built;
}

DaemonProcess::DaemonProcess(const std::string& binary, const std::filesystem::path& config,
                             const std::filesystem::path& folder, std::chrono::seconds readyTimeout)
    : run_(nextRun()),
      notify_(std::make_unique<NotifySocket>(folder / ("notify" + std::to_string(run_) + ".sock"))),
      started_(Clock::now()),
      process_({daemonBinary(binary), "-c", config.string()}, folder,
               "parcelwatchd" + std::to_string(run_),
               {"NOTIFY_SOCKET=" + notify_->path().string()}) {
  auto deadline = started_ + readyTimeout;
  while (!notify_->ready(std::chrono::milliseconds(50))) {
    if (auto status = process_.wait(std::chrono::milliseconds(0)))
      throw std::runtime_error(
          "parcelwatchd exited with status " + std::to_string(*status) + " before READY=1" +
          (*status == 127 ? " (could not run " + binary + ": is it built?)" : "") +
          "; its stderr:\n" + process_.err());
    if (Clock::now() >= deadline) {
      process_.stop(std::chrono::seconds(5));
      throw std::runtime_error("parcelwatchd sent no READY=1 within " +
                               std::to_string(readyTimeout.count()) + " s; its stderr:\n" +
                               process_.err());
    }
  }
  readyMs_ = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  notify_.reset();
}

DaemonProcess::~DaemonProcess() = default;

double DaemonProcess::stop(std::chrono::milliseconds grace) {
  auto t0 = Clock::now();
  int status = process_.stop(grace);
  if (status != 0)
    throw std::runtime_error("parcelwatchd stopped with status " + std::to_string(status) +
                             "; its stderr:\n" + process_.err());
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace pw::load
