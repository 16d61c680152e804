#pragma once
#include "common/string_hash.h"
#include "store/statement_cache.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  // Ids are the table's row ids, dense from 1: the texts of the first ones
  // are found by index, not by hashing (nine lookups per event read).
  static constexpr std::int64_t kDenseIds = 1 << 20;
  const std::string& remember(std::int64_t id, std::string text);

  StatementCache& statements_;
  // Found by a view of the text: a std::string made per lookup (nine an event written) was
  // an allocation and a copy for every place name longer than fifteen bytes.
  std::unordered_map<std::string, std::int64_t, TransparentStringHash, std::equal_to<>> ids_;
  std::unordered_map<std::int64_t, std::string> texts_;  // nodes: stable addresses
  std::vector<const std::string*> by_id_;
};

}  // namespace pw::store
