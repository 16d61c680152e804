#include "app/alert_log.h"

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pw {

AlertLog::AlertLog(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_)
    throw std::runtime_error("cannot open alert log " + path_.string() + ": " +
                             std::strerror(errno));
}

AlertLog::~AlertLog() {
  if (file_) std::fclose(file_);
}

bool AlertLog::emit(const boost::json::object& record) {
  std::string line = boost::json::serialize(record);
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) return false;
  return std::fflush(file_) == 0;
}

bool AlertLog::reopen() {
  std::FILE* fresh = std::fopen(path_.c_str(), "a");
  if (!fresh) return false;
  std::fclose(file_);
  file_ = fresh;
  return true;
}

}  // namespace pw
