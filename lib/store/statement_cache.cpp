#include "store/statement_cache.h"

namespace pw::store {

void readyForReuse(SQLite::Statement& statement) noexcept {
  statement.tryReset();
  try {
    statement.clearBindings();
  } catch (...) {  // sqlite3_clear_bindings cannot fail; nothing to report from a destructor
  }
}

}  // namespace pw::store
