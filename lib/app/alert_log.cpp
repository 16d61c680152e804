#include "app/alert_log.h"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pw {

namespace {

// Read access too: the end of the file is checked for a partial line.
int openAppend(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

// Bytes after the file's last newline: a line a crash left unfinished.
std::size_t partialLineBytes(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return 0;
  std::size_t partial = 0;
  char buf[4096];
  for (off_t end = st.st_size; end > 0;) {
    off_t from = std::max<off_t>(0, end - static_cast<off_t>(sizeof buf));
    ssize_t n = ::pread(fd, buf, static_cast<std::size_t>(end - from), from);
    if (n <= 0) return partial;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buf[i] == '\n') return partial;
      ++partial;
    }
    end = from;
  }
  return partial;
}

}  // namespace

AlertLog::AlertLog(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  fd_ = openAppend(path_);
  if (fd_ < 0)
    throw std::runtime_error("cannot open alert log " + path_.string() + ": " +
                             std::strerror(errno));
  endPartialLine();
}

void AlertLog::endPartialLine() {
  std::size_t bytes = partialLineBytes(fd_);
  if (bytes == 0) return;
  spdlog::warn(
      "ALERT_LOG_PARTIAL_LINE path={} bytes={}: a crash left a line unfinished; it is ended here "
      "and what it began is replayed from the database",
      path_.string(), bytes);
  // First in line: if even this byte does not fit on the disk, nothing is
  // appended to the fragment.
  pending_.push_front("\n");
  retry();
}

AlertLog::~AlertLog() {
  retry();
  if (fd_ >= 0) ::close(fd_);
}

bool AlertLog::emit(const boost::json::object& record) {
  return emitLine(boost::json::serialize(record));
}

bool AlertLog::emitLine(std::string line) {
  line.push_back('\n');
  pending_.push_back(std::move(line));
  return retry();
}

bool AlertLog::emitLines(std::vector<std::string> lines) {
  for (auto& line : lines) {
    line.push_back('\n');
    pending_.push_back(std::move(line));
  }
  return retry();
}

bool AlertLog::retry() {
  while (!pending_.empty()) {
    std::array<iovec, kLinesPerWrite> iov;
    std::size_t lines = 0;
    for (auto it = pending_.begin(); it != pending_.end() && lines < iov.size(); ++it, ++lines) {
      std::size_t from = lines == 0 ? written_of_front_ : 0;
      iov[lines] = {const_cast<char*>(it->data()) + from, it->size() - from};
    }
    ssize_t n = ::writev(fd_, iov.data(), static_cast<int>(lines));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    // A short write (a disk filling up) ends inside some line: that line is
    // completed by the next write, never started again.
    auto left = static_cast<std::size_t>(n);
    while (left > 0) {
      std::size_t rest = pending_.front().size() - written_of_front_;
      if (left < rest) {
        written_of_front_ += left;
        break;
      }
      left -= rest;
      pending_.pop_front();
      written_of_front_ = 0;
    }
  }
  return true;
}

bool AlertLog::reopen() {
  // A line half-written to the old file is finished there first.
  if (written_of_front_ > 0 && !retry() && written_of_front_ > 0) return false;
  int fresh = openAppend(path_);
  if (fresh < 0) return false;
  ::close(fd_);
  fd_ = fresh;
  endPartialLine();
  return true;
}

}  // namespace pw
