#include "control/command_registry.h"

#include <boost/json.hpp>

namespace pw::control {

void CommandRegistry::add(std::string name, std::string help, Handler handler) {
  commands_[std::move(name)] = Entry{std::move(help), std::move(handler)};
}

Answer CommandRegistry::dispatch(const Request& request) const {
  if (request.command == "help") {
    boost::json::object list;
    std::string text = "commands:";
    list["help"] = "list the commands";
    for (const auto& [name, entry] : commands_) {
      list[name] = entry.help;
      text +=
          "\n  " + name + std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') + entry.help;
    }
    text += "\n  help        list the commands";
    return ok(text, boost::json::object{{"commands", list}});
  }
  auto it = commands_.find(request.command);
  if (it == commands_.end())
    return Answer{kUnsupported, "unknown command '" + request.command + "', try 'help'", nullptr};
  try {
    return it->second.handler(request.arguments);
  } catch (const std::exception& e) {
    return error(request.command + " failed: " + e.what());
  }
}

}  // namespace pw::control
