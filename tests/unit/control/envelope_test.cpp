#include "control/envelope.h"
#include "control/command_registry.h"

#include <gtest/gtest.h>
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
  EXPECT_EQ(a.arguments.at("commands").at("boom").as_string(), "throws");
}
