#include "control/config_command.h"

#include <boost/json.hpp>

namespace pw::control {

Answer configAnswer(const Config& config, const std::vector<std::string>& restartNeeded) {
  boost::json::object settings;
  std::string text = "# " + config.source.string();
  for (const auto& [key, value] : config.settings) {
    settings[key] = value;
    text += "\n" + key + " = " + (value.empty() ? "(unset)" : value);
  }
  boost::json::array pending;
  for (const auto& k : restartNeeded) {
    pending.emplace_back(k);
    text += "\n# " + k + ": changed in the file, applied on restart (running value above)";
  }
  return ok(text, boost::json::object{{"file", config.source.string()},
                                      {"settings", std::move(settings)},
                                      {"restart_needed", std::move(pending)}});
}

}  // namespace pw::control
