#pragma once
// `[[notify.sink]]`: an array of tables, one per notification destination. It
// does not fit the one-key-one-value table of config_loader.cpp, so it is read
// here, with the same file:line:column errors, and checked by the notify
// part's validateSinkConfigs.
#include "common/result.h"
#include "notify/sink_config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pw {

/// Resolves a secret's "env:NAME" / "file:PATH" reference (PATH relative to
/// `base`); any other text is the secret itself. The error says what is
/// missing and never contains the secret.
using SecretResolver = std::function<Result<std::string>(const std::string&)>;

struct NotifySinksRead {
  std::vector<notify::NotifySinkConfig> sinks;
  std::vector<std::string> errors;  // "file:line:col: notify.sink[1].url: ..."
  /// Secrets masked: what `config` shows and what a reload compares.
  std::string display;
};

/// `node` is the value of notify.sink in the file named `file`.
NotifySinksRead readNotifySinks(const toml::node& node, const std::filesystem::path& file,
                                const SecretResolver& secrets);

/// Whether two configurations' sinks are the same, secrets and URLs included
/// (what `config` shows masks them, so a reload cannot compare that).
bool sameSinks(const std::vector<notify::NotifySinkConfig>& a,
               const std::vector<notify::NotifySinkConfig>& b);

/// The commented `[[notify.sink]]` example --print-defaults ends with.
std::string notifySinkDefaults();

}  // namespace pw
