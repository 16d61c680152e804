#include "control/envelope.h"

#include <boost/json.hpp>

namespace pw::control {
namespace json = boost::json;

Result<Request> parseRequest(std::string_view line) {
  auto bad = [](std::string what) { return makeError(ErrorCode::invalid_input, std::move(what)); };
  if (line.size() > kMaxRequestBytes)
    return bad("request larger than " + std::to_string(kMaxRequestBytes) + " bytes");
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return bad("request is not valid JSON: " + ec.message());
  if (!v.is_object()) return bad("request must be a JSON object");
  const auto& o = v.get_object();
  auto cmd = o.find("command");
  if (cmd == o.end() || !cmd->value().is_string() || cmd->value().get_string().empty())
    return bad("request needs a \"command\" string");
  Request r;
  r.command = std::string(cmd->value().get_string());
  if (auto args = o.find("arguments"); args != o.end() && !args->value().is_null()) {
    if (!args->value().is_object()) return bad("\"arguments\" must be an object");
    r.arguments = args->value().get_object();
  }
  for (const auto& kv : o) {
    if (kv.key() != "command" && kv.key() != "arguments")
      return bad("unknown request field '" + std::string(kv.key()) + "'");
  }
  return r;
}

std::string serializeRequest(const Request& request) {
  json::object o{{"command", request.command}};
  if (!request.arguments.empty()) o["arguments"] = request.arguments;
  return json::serialize(o);
}

Result<Answer> parseAnswer(std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object())
    return makeError(ErrorCode::invalid_input, "daemon answer is not a JSON object");
  const auto& o = v.get_object();
  auto r = o.find("result");
  if (r == o.end() || !r->value().is_int64())
    return makeError(ErrorCode::invalid_input, "daemon answer has no integer \"result\"");
  Answer a;
  a.result = static_cast<int>(r->value().get_int64());
  if (auto t = o.find("text"); t != o.end() && t->value().is_string())
    a.text = t->value().get_string();
  if (auto args = o.find("arguments"); args != o.end()) a.arguments = args->value();
  return a;
}

std::string serializeAnswer(const Answer& answer) {
  json::object o{{"result", answer.result}, {"text", answer.text}};
  if (!answer.arguments.is_null()) o["arguments"] = answer.arguments;
  return json::serialize(o);
}

std::optional<std::string> unknownArgument(const boost::json::object& args,
                                           std::initializer_list<std::string_view> known) {
  for (const auto& kv : args) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok) return "unknown argument '" + std::string(kv.key()) + "'";
  }
  return std::nullopt;
}

}  // namespace pw::control
