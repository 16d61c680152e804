#pragma once
// One table (config_loader.cpp, kKeys) declares every key: its type (and
// unit), default, whether a reload applies it, and a line of documentation. Loading rejects what
// the table does not list and names file:line:column for every error, because an operator reading a
// failed start-up in the journal must be able to go straight to the line.
#include "common/result.h"
#include "config/config.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pw {

/// Reads and validates a config file (and the message templates it names).
/// Relative paths inside it are taken relative to the file's own folder.
Result<Config> loadConfig(const std::filesystem::path& file);
/// The same from text already read; `file` names it in errors and anchors
/// relative paths (the fuzz target feeds text this way).
Result<Config> parseConfig(std::string_view text, const std::filesystem::path& file);

/// A secret as configured: "env:NAME" is the variable's value, "file:PATH" the file's first
/// line (PATH relative to `base`), anything else itself.
Result<std::string> resolveSecret(const std::string& value, const std::filesystem::path& base);

/// A complete, commented configuration with every key at its default
/// (`parcelwatchd --print-defaults`; conf/parcelwatch.example.toml is this).
std::string printDefaults();
/// Keys whose change needs a restart and differ between the two configs.
std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next);

struct ConfigKeyInfo {
  std::string key;
  std::string type;
  std::string default_value;  // TOML text; empty: no default
  bool live = true;           // false: applied only on restart
  std::string doc;
};
/// The key table, for `config` output and documentation.
std::vector<ConfigKeyInfo> configKeys();

}  // namespace pw
