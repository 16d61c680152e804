#pragma once
// What one Store (one connection) keeps besides the connection: its prepared
// statements, its dictionary cache and parsed message templates.
#include "store/count_deltas.h"
#include "store/dictionary.h"
#include "store/event_texts.h"
#include "store/message_text.h"
#include "store/raw_statement.h"
#include "store/statement_cache.h"
#include "store/store.h"

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <unordered_map>

namespace pw::store {

struct State {
  State(SQLite::Database& db, const StoreOptions& o)
      : db(db), statements(db), raw(db), dict(statements), texts(statements), options(o) {}
  SQLite::Database& db;
  StatementCache statements;
  RawStatementCache raw;  // for the reads that step millions of rows
  Dictionary dict;
  EventTexts texts;
  StoreOptions options;
  std::unordered_map<std::int64_t, MessageTemplatesRow> templates;  // by dict id
  CountDeltas counts;  // the open write transaction's, written at its commit
  MessageEncoder messages;

  /// After a rollback: the ids it took back may be handed out again.
  void forget() {
    counts.clear();
    dict.forget();
    texts.forgetStored();
    templates.clear();
  }
};

/// The parsed templates of dict entry `id`, parsed once per connection (throws if they do
/// not parse).
const MessageTemplatesRow& templatesOf(State& s, std::int64_t id);

/// BEGIN IMMEDIATE ... COMMIT with prepared statements; the count changes its
/// writes noted (State::counts) are written just before the COMMIT. Rolls back
/// if not committed, and then forgets dictionary ids and count changes the
/// rollback took back.
class WriteTransaction {
 public:
  explicit WriteTransaction(State& s);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  State& s_;
  bool done_ = false;
};

/// BEGIN ... ROLLBACK: the reads between see one snapshot of the file and
/// hold no lock a writer waits for (WAL).
class ReadTransaction {
 public:
  explicit ReadTransaction(State& s);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  State& s_;
};

/// One request of a batch: released when it worked, rolled back alone when not
/// (with the count changes noted since it began).
class Savepoint {
 public:
  explicit Savepoint(State& s);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();
  void rollback();

 private:
  State& s_;
  CountDeltas counts_;  // as they were when it began
  bool done_ = false;
};

}  // namespace pw::store
