#include "control/envelope.h"
#include "control/command_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/json.hpp>

using namespace pw;
using namespace pw::control;

TEST(Envelope, ParsesRequests) {
  auto r = parseRequest(R"({"command":"rerun","arguments":{"all":true}})").value();
  EXPECT_EQ(r.command, "rerun");
  EXPECT_TRUE(r.arguments.at("all").as_bool());
  EXPECT_TRUE(parseRequest(R"({"command":"status"})").value().arguments.empty());
}

TEST(Envelope, RejectsBadRequestsWithReasons) {
  EXPECT_EQ(parseRequest("{").error().message.rfind("request is not valid JSON", 0), 0u);
  EXPECT_EQ(parseRequest("[1]").error().message, "request must be a JSON object");
  EXPECT_EQ(parseRequest("{}").error().message, "request needs a \"command\" string");
  EXPECT_EQ(parseRequest(R"({"command":""})").error().message,
            "request needs a \"command\" string");
  EXPECT_EQ(parseRequest(R"({"command":"x","arguments":[]})").error().message,
            "\"arguments\" must be an object");
  EXPECT_EQ(parseRequest(R"({"command":"x","argument":{}})").error().message,
            "unknown request field 'argument'");
}

TEST(Envelope, AnswersRoundTrip) {
  Answer a{kUnsupported, "nope", boost::json::object{{"x", 1}}};
  auto back = parseAnswer(serializeAnswer(a)).value();
  EXPECT_EQ(back.result, kUnsupported);
  EXPECT_EQ(back.text, "nope");
  EXPECT_EQ(back.arguments.at("x").as_int64(), 1);
  EXPECT_EQ(serializeAnswer(ok("fine")), R"({"result":0,"text":"fine"})");
}

TEST(CommandRegistry, UnknownCommandsHelpAndExceptions) {
  CommandRegistry reg;
  reg.add("boom", "throws",
          [](const boost::json::object&) -> Answer { throw std::runtime_error("kaput"); });
  auto a = reg.dispatch({"nosuch", {}});
  EXPECT_EQ(a.result, kUnsupported);
  EXPECT_EQ(a.text, "unknown command 'nosuch', try 'help'");
  a = reg.dispatch({"boom", {}});
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text, "boom failed: kaput");
  a = reg.dispatch({"help", {}});
  EXPECT_EQ(a.result, kSuccess);
  EXPECT_EQ(a.arguments.at("commands").at("boom").at("help").as_string(), "throws");
  a = reg.dispatch({"help", {{"command", "boom"}}});
  EXPECT_EQ(a.text, "boom: throws");
  EXPECT_EQ(reg.dispatch({"help", {{"command", "nosuch"}}}).result, kError);
}

TEST(CommandRegistry, ChangingCommandsNeedRootTheDaemonsUserOrTheGroup) {
  CommandRegistry reg;
  reg.add("look", "reads", [](const boost::json::object&) { return ok("seen"); });
  reg.add(
      "poke", "changes", [](const boost::json::object&) { return ok("done"); }, Access::change);
  Caller stranger;
  stranger.known = true;
  stranger.uid = 54321;  // not root, not us
  stranger.gid = 54321;
  AccessPolicy policy;  // the daemon's own group
  EXPECT_EQ(reg.dispatch({"look", {}}, stranger, policy).result, kSuccess);
  auto a = reg.dispatch({"poke", {}}, stranger, policy);
  EXPECT_EQ(a.result, kDenied);
  EXPECT_EQ(a.text.rfind("permission denied: 'poke' changes state; uid 54321 is not root, the "
                         "daemon's user, or in group '",
                         0),
            0u)
      << a.text;
  stranger.groups = {::getegid()};  // a member of the daemon's group
  EXPECT_EQ(reg.dispatch({"poke", {}}, stranger, policy).result, kSuccess);
  policy.group = "root";  // gid 0, which the stranger lacks
  EXPECT_EQ(reg.dispatch({"poke", {}}, stranger, policy).result,
            ::getegid() == 0 ? kSuccess : kDenied);
  policy.group = "no-such-group-here";
  EXPECT_EQ(reg.dispatch({"poke", {}}, stranger, policy).text,
            "permission denied: 'poke' changes state; the configured control.group "
            "'no-such-group-here' does not exist");
  EXPECT_EQ(reg.dispatch({"poke", {}}, Caller::self(), policy).result, kSuccess);
  EXPECT_EQ(reg.dispatch({"poke", {}}, Caller{}, AccessPolicy{}).result, kDenied);
}
