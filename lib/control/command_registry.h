#pragma once
// Commands are plain functions from arguments to an answer, registered with
// a help line; `help` is generated from the registry. The socket code knows
// nothing about individual commands.
#include "control/envelope.h"

#include <functional>
#include <map>
#include <string>

namespace pw::control {

class CommandRegistry {
 public:
  using Handler = std::function<Answer(const boost::json::object& arguments)>;

  void add(std::string name, std::string help, Handler handler);
  /// Runs the command; unknown names, bad arguments and handler exceptions all
  /// become answers, never exceptions.
  Answer dispatch(const Request& request) const;

 private:
  struct Entry {
    std::string help;
    Handler handler;
  };
  std::map<std::string, Entry, std::less<>> commands_;
};

}  // namespace pw::control
