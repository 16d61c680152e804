#pragma once
// One control command that must succeed: its answer's arguments, or an
// exception naming the command and the daemon's answer (never exit(): the
// load program must unwind to stop its daemon and remove its folder).
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace pw::load {

boost::json::object ask(const std::string& socket, const std::string& command,
                        boost::json::object args = {},
                        std::chrono::milliseconds timeout = std::chrono::minutes(2));

/// Polls done so far (ok + no result + failed) in a `status` answer.
std::uint64_t pollsIn(const boost::json::object& status);

/// The `commits` of a `stats` answer: poll and push results, and the
/// transactions they went in.
struct Commits {
  std::uint64_t transactions = 0;
  std::uint64_t results = 0;
};
Commits commitsIn(const boost::json::object& stats);

}  // namespace pw::load
