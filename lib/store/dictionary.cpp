#include "store/dictionary.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

std::int64_t Dictionary::idOf(std::string_view text) {
  std::string key(text);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  {
    auto ins = statements_.get("INSERT INTO dict (text) VALUES (?) ON CONFLICT DO NOTHING");
    ins->bind(1, key);
    ins->exec();
  }
  auto q = statements_.get("SELECT id FROM dict WHERE text=?");
  q->bind(1, key);
  q->executeStep();
  std::int64_t id = q->getColumn(0).getInt64();
  ids_.emplace(key, id);
  texts_.emplace(id, std::move(key));
  return id;
}

const std::string& Dictionary::textOf(std::int64_t id) {
  if (auto it = texts_.find(id); it != texts_.end()) return it->second;
  auto q = statements_.get("SELECT text FROM dict WHERE id=?");
  q->bind(1, static_cast<int64_t>(id));
  if (!q->executeStep()) {
    static const std::string kNone;
    return kNone;
  }
  std::string text = q->getColumn(0).getString();
  ids_.emplace(text, id);
  return texts_.emplace(id, std::move(text)).first->second;
}

void Dictionary::forget() {
  ids_.clear();
  texts_.clear();
}

}  // namespace pw::store
