#pragma once
#include "store/statement_cache.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pw::store {

/// The `dict` table: each short text that recurs (an event kind, a place, a
/// signer, a remedy's reason, a message template) stored once and referred
/// to by a small integer. Ids are cached per connection; a cached id may
/// come from a transaction that was rolled back, so the owner calls forget()
/// after every rollback. Entries are never changed or deleted, so another
/// connection's writes cannot make a cached id wrong.
class Dictionary {
 public:
  explicit Dictionary(StatementCache& statements) : statements_(statements) {}

  /// The id of `text`, adding it inside the current write transaction.
  std::int64_t idOf(std::string_view text);
  /// The text of `id` ("" for an id nobody wrote, which a foreign key would
  /// have refused).
  const std::string& textOf(std::int64_t id);
  void forget();

 private:
  StatementCache& statements_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::unordered_map<std::int64_t, std::string> texts_;
};

}  // namespace pw::store
