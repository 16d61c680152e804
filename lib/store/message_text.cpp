#include "store/message_text.h"

#include <fmt/args.h>
#include <fmt/format.h>
#include <boost/json.hpp>

namespace pw::store {
namespace json = boost::json;

namespace {

// Only the arguments a template names are kept; fmt's "{name" or "{name:"
// is how a template names one.
bool usesArgument(const std::string& text, const std::string& name) {
  auto at = text.find("{" + name);
  if (at == std::string::npos) return false;
  char next = at + name.size() + 1 < text.size() ? text[at + name.size() + 1] : '\0';
  return next == '}' || next == ':';
}

std::vector<std::size_t> usedIndexes(const std::string& text, const MessageSource::Args& args) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < args.size(); ++i)
    if (usesArgument(text, args[i].first)) out.push_back(i);
  return out;
}

// The names (`&Arg::first`) or the values (`&Arg::second`) of the arguments at `at`.
using Arg = MessageSource::Args::value_type;
json::array fieldsAt(const MessageSource::Args& args, const std::vector<std::size_t>& at,
                     std::string Arg::*field) {
  json::array a;
  a.reserve(at.size());
  for (auto i : at) a.emplace_back(args[i].*field);
  return a;
}

Result<std::string> render(const std::string& text, const std::vector<std::string>& names,
                           const json::array& values) {
  if (names.size() != values.size())
    return makeError(ErrorCode::internal, "message facts do not match their template");
  // Views of the parsed values: the store copies a std::string value into a node of its
  // own, a string_view not (the names it copies whatever they are).
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  args.reserve(names.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!values[i].is_string()) return makeError(ErrorCode::internal, "message fact is not text");
    args.push_back(fmt::arg(names[i].c_str(), std::string_view(values[i].get_string())));
  }
  try {
    return fmt::vformat(text, args);
  } catch (const fmt::format_error& e) {
    return makeError(ErrorCode::internal, std::string("stored message template: ") + e.what());
  }
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

}  // namespace

std::optional<EncodedMessage> encodeMessage(const MessageSource& source, const Message& rendered) {
  return MessageEncoder().encode(source, rendered);
}

struct MessageEncoder::Shape {
  std::vector<std::size_t> zh, en;  // the arguments each template uses
  // None when they do not parse back: every message of the pair keeps its text.
  std::optional<std::string> templates;
  MessageTemplatesRow parsed;
};

MessageEncoder::MessageEncoder() = default;
MessageEncoder::~MessageEncoder() = default;

std::optional<EncodedMessage> MessageEncoder::encode(const MessageSource& source,
                                                     const Message& rendered) {
  // The templates with their lengths, then the names. Whatever the key, the
  // facts are rendered with the shape found and compared with `rendered` below.
  key_.clear();
  for (const auto* t : {&source.zh_template, &source.en_template}) {
    auto n = t->size();
    key_.append(reinterpret_cast<const char*>(&n), sizeof n);
    key_.append(*t);
  }
  for (const auto& [name, value] : source.zh_args) key_.append(name).push_back('\x1e');
  key_.push_back('\x1f');
  for (const auto& [name, value] : source.en_args) key_.append(name).push_back('\x1e');
  auto it = shapes_.find(key_);
  if (it == shapes_.end()) {
    if (shapes_.size() >= kMaxShapes) shapes_.clear();
    auto shape = std::make_unique<Shape>();
    shape->zh = usedIndexes(source.zh_template, source.zh_args);
    shape->en = usedIndexes(source.en_template, source.en_args);
    auto templates = json::serialize(json::array{json::string(source.zh_template),
                                                 json::string(source.en_template),
                                                 fieldsAt(source.zh_args, shape->zh, &Arg::first),
                                                 fieldsAt(source.en_args, shape->en, &Arg::first)});
    if (auto parsed = parseTemplates(templates)) {
      shape->parsed = std::move(*parsed);
      shape->templates = std::move(templates);
    }
    it = shapes_.emplace(key_, std::move(shape)).first;
  }
  const Shape& shape = *it->second;
  if (!shape.templates) return std::nullopt;
  EncodedMessage out;
  out.templates = *shape.templates;
  out.facts = json::serialize(json::array{fieldsAt(source.zh_args, shape.zh, &Arg::second),
                                          fieldsAt(source.en_args, shape.en, &Arg::second)});
  auto again = renderMessage(shape.parsed, out.facts);
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
