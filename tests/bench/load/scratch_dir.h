#pragma once
// A temp folder (tests' TempDir) that is also removed when the load program
// is interrupted (ExitCleanup), not only when it returns.
#include "load/exit_cleanup.h"
#include "support/temp_dir.h"

namespace pw::load {

class ScratchDir {
 public:
  ScratchDir() { ExitCleanup::addFolder(dir_.path()); }
  ~ScratchDir() { ExitCleanup::forgetFolder(dir_.path()); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return dir_.path(); }
  std::filesystem::path operator/(const std::string& name) const { return dir_ / name; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    return dir_.write(name, content);
  }

 private:
  test::TempDir dir_;
};

}  // namespace pw::load
