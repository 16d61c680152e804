#include "store/message_text.h"

#include <fmt/args.h>
#include <fmt/format.h>
#include <boost/json.hpp>

namespace pw::store {
namespace json = boost::json;

namespace {

// Only the arguments a template names are kept; fmt's "{name" or "{name:"
// is how a template names one.
MessageSource::Args used(const std::string& text, const MessageSource::Args& args) {
  MessageSource::Args out;
  for (const auto& a : args) {
    auto at = text.find("{" + a.first);
    if (at == std::string::npos) continue;
    char next = at + a.first.size() + 1 < text.size() ? text[at + a.first.size() + 1] : '\0';
    if (next == '}' || next == ':') out.push_back(a);
  }
  return out;
}

Result<std::string> render(const std::string& text, const std::vector<std::string>& names,
                           const json::array& values) {
  if (names.size() != values.size())
    return makeError(ErrorCode::internal, "message facts do not match their template");
  std::vector<std::string> owned;
  owned.reserve(values.size());
  for (const auto& v : values) {
    if (!v.is_string()) return makeError(ErrorCode::internal, "message fact is not text");
    owned.emplace_back(v.as_string());
  }
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  for (std::size_t i = 0; i < names.size(); ++i)
    args.push_back(fmt::arg(names[i].c_str(), owned[i]));
  try {
    return fmt::vformat(text, args);
  } catch (const fmt::format_error& e) {
    return makeError(ErrorCode::internal, std::string("stored message template: ") + e.what());
  }
}

json::array namesOf(const MessageSource::Args& args) {
  json::array a;
  for (const auto& [name, value] : args) a.emplace_back(name);
  return a;
}

json::array valuesOf(const MessageSource::Args& args) {
  json::array a;
  for (const auto& [name, value] : args) a.emplace_back(value);
  return a;
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

}  // namespace

std::optional<EncodedMessage> encodeMessage(const MessageSource& source, const Message& rendered) {
  auto zh = used(source.zh_template, source.zh_args);
  auto en = used(source.en_template, source.en_args);
  EncodedMessage out;
  out.templates =
      json::serialize(json::array{json::string(source.zh_template),
                                  json::string(source.en_template), namesOf(zh), namesOf(en)});
  out.facts = json::serialize(json::array{valuesOf(zh), valuesOf(en)});
  auto parsed = parseTemplates(out.templates);
  if (!parsed) return std::nullopt;
  auto again = renderMessage(*parsed, out.facts);
  if (!again || again->zh_cn != rendered.zh_cn || again->en != rendered.en) return std::nullopt;
  return out;
}

Result<MessageTemplatesRow> parseTemplates(std::string_view templates) {
  try {
    auto a = json::parse(templates).as_array();
    return MessageTemplatesRow{std::string(a.at(0).as_string()), std::string(a.at(1).as_string()),
                               strings(a.at(2)), strings(a.at(3))};
  } catch (const std::exception& e) {
    return makeError(ErrorCode::internal, std::string("stored message templates: ") + e.what());
  }
}

Result<Message> renderMessage(const MessageTemplatesRow& t, std::string_view facts) {
  json::array values;
  try {
    values = json::parse(facts).as_array();
    if (values.size() != 2) throw std::runtime_error("two lists expected");
  } catch (const std::exception& e) {
    return makeError(ErrorCode::internal, std::string("stored message facts: ") + e.what());
  }
  auto zh = render(t.zh, t.zh_names, values[0].as_array());
  if (!zh) return zh.error();
  auto en = render(t.en, t.en_names, values[1].as_array());
  if (!en) return en.error();
  return Message{std::move(*zh), std::move(*en)};
}

}  // namespace pw::store
