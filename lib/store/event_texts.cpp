#include "store/event_texts.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

const std::string& EventTexts::textOf(std::int64_t id) {
  if (auto it = texts_.find(id); it != texts_.end()) return it->second;
  auto q = statements_.get("SELECT text FROM texts WHERE id=?");
  q->bind(1, static_cast<int64_t>(id));
  std::string text = q->executeStep() ? q->getColumn(0).getString() : std::string();
  if (texts_.size() >= kMaxTexts) texts_.clear();
  return texts_.emplace(id, std::move(text)).first->second;
}

const std::string* EventTexts::storedText(std::int64_t id) const {
  auto it = stored_.find(id);
  return it == stored_.end() ? nullptr : &it->second;
}

void EventTexts::noteStored(std::int64_t id, const std::string& text) {
  if (stored_.size() >= kMaxStored) stored_.clear();
  stored_.emplace(id, text);
}

}  // namespace pw::store
