#pragma once
#include "common/result.h"
#include "model/message_source.h"
#include "model/parcel_exception.h"

#include <optional>
#include <string>
#include <string_view>
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

/// Templates parsed once per connection.
struct MessageTemplatesRow {
  std::string zh, en;
  std::vector<std::string> zh_names, en_names;
};
Result<MessageTemplatesRow> parseTemplates(std::string_view templates);
Result<Message> renderMessage(const MessageTemplatesRow& templates, std::string_view facts);

}  // namespace pw::store
