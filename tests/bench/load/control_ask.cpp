#include "load/control_ask.h"

#include "control/control_client.h"

#include <stdexcept>

namespace pw::load {

boost::json::object ask(const std::string& socket, const std::string& command,
                        boost::json::object args, std::chrono::milliseconds timeout) {
  auto a = control::call(socket, {command, std::move(args)}, timeout);
  if (!a) throw std::runtime_error("`" + command + "` failed: " + a.error().message);
  if (a->result != control::kSuccess)
    throw std::runtime_error("`" + command + "` answered " + std::to_string(a->result) + ": " +
                             a->text.substr(0, 500));
  return a->arguments.is_object() ? a->arguments.get_object() : boost::json::object{};
}

std::uint64_t pollsIn(const boost::json::object& status) {
  return status.at("polls_ok").to_number<std::uint64_t>() +
         status.at("polls_no_result").to_number<std::uint64_t>() +
         status.at("polls_failed").to_number<std::uint64_t>();
}

Commits commitsIn(const boost::json::object& stats) {
  const auto* found = stats.if_contains("commits");
  if (!found) return {};  // a daemon from before it reported them
  const auto& c = found->as_object();
  return {c.at("transactions").to_number<std::uint64_t>(),
          c.at("results").to_number<std::uint64_t>()};
}

}  // namespace pw::load
