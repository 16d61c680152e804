#pragma once
#include "common/result.h"
#include "model/message_source.h"
#include "model/parcel_exception.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pw::store {

/// A task's message as stored: the template pair with the names of the
/// arguments each uses (shared, kept in the dictionary) and the values of
/// those arguments (a JSON array per task, a tenth of the rendered text).
struct EncodedMessage {
  std::string templates;
  std::string facts;
};

/// None when rendering the source again would not give `rendered` exactly:
/// the caller then keeps the text, so users always read what was raised.
std::optional<EncodedMessage> encodeMessage(const MessageSource& source, const Message& rendered);

/// encodeMessage with what depends only on the template pair and its arguments'
/// names (which arguments each template uses, the stored templates and their
/// parsed form) worked out once per pair rather than per task: that was half of
/// encoding a message, and the writer encodes one for every task it raises.
/// The check that the stored facts render `rendered` again still runs for every
/// message. One per connection; not thread-safe.
class MessageEncoder {
 public:
  MessageEncoder();
  ~MessageEncoder();
  MessageEncoder(const MessageEncoder&) = delete;
  MessageEncoder& operator=(const MessageEncoder&) = delete;
  std::optional<EncodedMessage> encode(const MessageSource& source, const Message& rendered);

 private:
  struct Shape;
  // Template pairs come from the configuration (a handful); a reload may bring
  // new ones, so the map is emptied when it grows past a bound.
  static constexpr std::size_t kMaxShapes = 256;
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
  std::string key_;  // reused: the lookup key of the last call
};

/// Templates parsed once per connection.
struct MessageTemplatesRow {
  std::string zh, en;
  std::vector<std::string> zh_names, en_names;
};
Result<MessageTemplatesRow> parseTemplates(std::string_view templates);
Result<Message> renderMessage(const MessageTemplatesRow& templates, std::string_view facts);

}  // namespace pw::store
