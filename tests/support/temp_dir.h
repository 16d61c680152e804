#pragma once
// A fresh folder per test, removed afterwards (after Kea's Sandbox). It lives
// under /tmp with a short name so Unix socket paths stay under 108 bytes.
#include <filesystem>
#include <string>

namespace pw::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `content` to a file in the folder and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& file);

}  // namespace pw::test
