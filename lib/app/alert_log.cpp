#include "app/alert_log.h"

#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pw {

namespace {

int openAppend(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

}  // namespace

AlertLog::AlertLog(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  fd_ = openAppend(path_);
  if (fd_ < 0)
    throw std::runtime_error("cannot open alert log " + path_.string() + ": " +
                             std::strerror(errno));
}

AlertLog::~AlertLog() {
  retry();
  if (fd_ >= 0) ::close(fd_);
}

bool AlertLog::emit(const boost::json::object& record) {
  std::string line = boost::json::serialize(record);
  line.push_back('\n');
  pending_.push_back(std::move(line));
  return retry();
}

bool AlertLog::retry() {
  while (!pending_.empty()) {
    const std::string& line = pending_.front();
    ssize_t n = ::write(fd_, line.data() + written_of_front_, line.size() - written_of_front_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written_of_front_ += static_cast<std::size_t>(n);
    if (written_of_front_ < line.size()) continue;
    pending_.pop_front();
    written_of_front_ = 0;
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
  return true;
}

}  // namespace pw
