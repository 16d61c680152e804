#include "store/dictionary.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

std::int64_t Dictionary::idOf(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  std::string key(text);
  {
    auto ins = statements_.get("INSERT INTO dict (text) VALUES (?) ON CONFLICT DO NOTHING");
    ins->bind(1, key);
    ins->exec();
  }
  auto q = statements_.get("SELECT id FROM dict WHERE text=?");
  q->bind(1, key);
  q->executeStep();
  std::int64_t id = q->getColumn(0).getInt64();
  remember(id, std::move(key));
  return id;
}

const std::string& Dictionary::remember(std::int64_t id, std::string text) {
  ids_.emplace(text, id);
  const std::string& kept = texts_.emplace(id, std::move(text)).first->second;
  if (id >= 0 && id < kDenseIds) {
    auto i = static_cast<std::size_t>(id);
    if (by_id_.size() <= i) by_id_.resize(i + 1);
    by_id_[i] = &kept;
  }
  return kept;
}

const std::string& Dictionary::textOf(std::int64_t id) {
  if (id >= 0 && static_cast<std::size_t>(id) < by_id_.size() && by_id_[id]) return *by_id_[id];
  if (auto it = texts_.find(id); it != texts_.end()) return it->second;
  auto q = statements_.get("SELECT text FROM dict WHERE id=?");
  q->bind(1, static_cast<int64_t>(id));
  if (!q->executeStep()) {
    static const std::string kNone;
    return kNone;
  }
  return remember(id, q->getColumn(0).getString());
}

void Dictionary::forget() {
  ids_.clear();
  texts_.clear();
  by_id_.clear();
}

}  // namespace pw::store
