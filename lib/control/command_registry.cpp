#include "control/command_registry.h"

#include <boost/json.hpp>

namespace pw::control {

void CommandRegistry::add(std::string name, std::string help, Handler handler, Access access) {
  commands_[std::move(name)] = Entry{std::move(help), std::move(handler), access};
}

bool CommandRegistry::changes(std::string_view command) const {
  auto it = commands_.find(command);
  return it != commands_.end() && it->second.access == Access::change;
}

Answer CommandRegistry::help(const boost::json::object& arguments) const {
  if (auto bad = unknownArgument(arguments, {"command"})) return error(*bad);
  if (auto c = arguments.if_contains("command")) {
    auto it = c->is_string() ? commands_.find(std::string_view(c->get_string())) : commands_.end();
    if (it == commands_.end()) return error("help: no such command, try 'help'");
    bool change = it->second.access == Access::change;
    return ok(it->first + ": " + it->second.help + (change ? " (changes state)" : ""),
              boost::json::object{
                  {"command", it->first}, {"help", it->second.help}, {"changes", change}});
  }
  boost::json::object list;
  std::string text = "commands (* changes state):";
  list["help"] =
      boost::json::object{{"help", "list the commands, or one: {\"command\"}"}, {"changes", false}};
  for (const auto& [name, entry] : commands_) {
    bool change = entry.access == Access::change;
    list[name] = boost::json::object{{"help", entry.help}, {"changes", change}};
    text += "\n  " + name + (change ? "*" : " ") +
            std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') + entry.help;
  }
  text += "\n  help         list the commands, or one: {\"command\"}";
  return ok(text, boost::json::object{{"commands", list}});
}

Answer CommandRegistry::dispatch(const Request& request) const {
  return dispatch(request, Caller::self(), AccessPolicy{});
}

Answer CommandRegistry::dispatch(const Request& request, const Caller& caller,
                                 const AccessPolicy& policy) const {
  if (request.command == "help") return help(request.arguments);
  auto it = commands_.find(request.command);
  if (it == commands_.end())
    return Answer{kUnsupported, "unknown command '" + request.command + "', try 'help'", nullptr};
  if (it->second.access == Access::change) {
    if (auto why = policy.whyNotChange(caller); !why.empty())
      return Answer{kDenied, "permission denied: '" + request.command + "' changes state; " + why,
                    nullptr};
  }
  try {
    return it->second.handler(request.arguments);
  } catch (const std::exception& e) {
    return error(request.command + " failed: " + e.what());
  }
}

}  // namespace pw::control
