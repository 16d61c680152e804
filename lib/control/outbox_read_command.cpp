// outbox-read {"after": SEQ, "limit": N}: the events with seq > SEQ, the outbox's head and the
// oldest seq still kept. Without "after" it answers only the head, where a follower that wants
// new events only starts. A caller whose "after" was pruned gets an error, not a silent gap.
#include "control/outbox_read_command.h"

#include <boost/json.hpp>

#include <limits>
#include <optional>
#include <string>

namespace pw::control {
namespace json = boost::json;

namespace {

// A non-negative integer argument within [0, max], or the error text naming it.
std::optional<std::string> countArg(const json::object& args, std::string_view name,
                                    std::int64_t max, std::optional<std::int64_t>& out) {
  auto it = args.find(name);
  if (it == args.end()) return std::nullopt;
  const auto& v = it->value();
  std::int64_t n = 0;
  if (v.is_int64())
    n = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(max))
    n = static_cast<std::int64_t>(v.get_uint64());
  else if (v.is_uint64())
    n = max + 1;  // reported as too large below
  else
    return "\"" + std::string(name) + "\" must be an integer";
  if (n < 0) return "\"" + std::string(name) + "\" must not be negative";
  if (n > max) return "\"" + std::string(name) + "\" must be at most " + std::to_string(max);
  out = n;
  return std::nullopt;
}

// The line as the alert log has it; a row that does not parse (never written so, but a
// follower must not stop on it) is passed on as text.
json::value lineOf(const OutboxEntry& e) {
  boost::system::error_code ec;
  auto v = json::parse(e.payload, ec);
  if (!ec && v.is_object()) return v;
  return json::object{{"event", e.event}, {"unreadable_payload", e.payload}};
}

Answer outboxRead(Store& store, const json::object& args) {
  if (auto bad = unknownArgument(args, {"after", "limit"})) return error(*bad);
  std::optional<std::int64_t> after, limit;
  if (auto bad = countArg(args, "after", std::numeric_limits<std::int64_t>::max(), after))
    return error("outbox-read: " + *bad);
  if (auto bad = countArg(args, "limit", kOutboxReadMaxLimit, limit))
    return error("outbox-read: " + *bad);
  if (limit && *limit == 0) return error("outbox-read: \"limit\" must be at least 1");

  std::vector<OutboxEntry> page;
  if (after) {
    auto r = store.readOutbox(*after, static_cast<int>(limit.value_or(100)));
    if (!r) return error("outbox-read: " + r.error().message);
    page = std::move(*r);
  }
  // Read after the page: pruning takes the lowest seqs first, so an oldest at or below
  // after + 1 now means nothing the page should have had was pruned before it was read.
  auto first = store.readOutbox(0, 1);
  if (!first) return error("outbox-read: " + first.error().message);
  auto head = store.outboxHead();
  if (!head) return error("outbox-read: " + head.error().message);
  std::int64_t oldest = first->empty() ? *head + 1 : first->front().seq;

  json::object data{{"head", *head}, {"oldest", oldest}};
  if (after) {
    // A seq the outbox never reached: another database, or one restored from a backup. Waiting
    // for it would skip every event until the outbox caught up.
    if (*after > *head)
      return error("seq " + std::to_string(*after) + " is past the outbox's last event (" +
                       std::to_string(*head) + "): another or a restored database?",
                   std::move(data));
    // 0 asks for whatever is kept; any other seq must still be there to continue from.
    if (*after > 0 && *after + 1 < oldest)
      return error("events before " + std::to_string(oldest) +
                       " were pruned (store.outbox_retention); --from 0 continues with the "
                       "oldest kept",
                   std::move(data));
  }
  json::array events;
  for (const auto& e : page) events.push_back(json::object{{"seq", e.seq}, {"line", lineOf(e)}});
  std::string text = std::to_string(events.size()) + " event(s), head " + std::to_string(*head);
  data["events"] = std::move(events);
  return ok(std::move(text), std::move(data));
}

}  // namespace

void addOutboxReadCommand(CommandRegistry& registry, Store& store) {
  registry.add("outbox-read",
               "committed alert events in commit order, for follow: {\"after\": SEQ, \"limit\": "
               "N (at most " +
                   std::to_string(kOutboxReadMaxLimit) +
                   ")}; without \"after\" only the head (the last seq)",
               [&store](const json::object& a) { return outboxRead(store, a); });
}

}  // namespace pw::control
