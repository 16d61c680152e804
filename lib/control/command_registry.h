#pragma once
// Commands are plain functions from arguments to an answer, registered with
// a help line; `help` is generated from the registry. The socket code knows
// nothing about individual commands.
#include "control/access_policy.h"
#include "control/envelope.h"

#include <functional>
#include <map>
#include <string>

namespace pw::control {

/// Whether a command only looks (anyone on the socket) or changes state.
enum class Access { read, change };

class CommandRegistry {
 public:
  using Handler = std::function<Answer(const boost::json::object& arguments)>;

  void add(std::string name, std::string help, Handler handler, Access access = Access::read);
  /// Runs the command for `caller`; unknown names, bad arguments, refused
  /// permissions and handler exceptions all become answers, never exceptions.
  Answer dispatch(const Request& request, const Caller& caller, const AccessPolicy& policy) const;
  /// For in-process callers, who may do anything.
  Answer dispatch(const Request& request) const;
  bool changes(std::string_view command) const;

 private:
  struct Entry {
    std::string help;
    Handler handler;
    Access access;
  };
  Answer help(const boost::json::object& arguments) const;
  std::map<std::string, Entry, std::less<>> commands_;
};

}  // namespace pw::control
