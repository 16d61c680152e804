#include "store/store_state.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <stdexcept>

namespace pw::store {

namespace {
template <std::size_t N>
void run(State& s, const char (&sql)[N]) {
  s.statements.get(sql)->exec();
}
}  // namespace

WriteTransaction::WriteTransaction(State& s) : s_(s) {
  // Left by a write outside any transaction: it would never reach the table.
  if (!s_.counts.empty()) throw std::logic_error("count changes noted outside a transaction");
  run(s_, "BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    run(s_, "ROLLBACK");
  } catch (...) {  // SQLite may have rolled back already (I/O error, full disk)
  }
  s_.forget();
}

void WriteTransaction::commit() {
  s_.counts.flush(s_);
  run(s_, "COMMIT");
  done_ = true;
}

ReadTransaction::ReadTransaction(State& s) : s_(s) { run(s_, "BEGIN"); }

ReadTransaction::~ReadTransaction() {
  try {
    run(s_, "ROLLBACK");
  } catch (...) {  // nothing was written; SQLite may have ended it already
  }
}

Savepoint::Savepoint(State& s) : s_(s), counts_(s.counts) { run(s_, "SAVEPOINT request"); }

Savepoint::~Savepoint() {
  if (done_) return;
  try {
    rollback();
  } catch (...) {  // the enclosing transaction rolls back and reports
  }
}

void Savepoint::release() {
  run(s_, "RELEASE request");
  done_ = true;
}

void Savepoint::rollback() {
  done_ = true;
  s_.forget();
  s_.counts = counts_;
  run(s_, "ROLLBACK TO request");
  run(s_, "RELEASE request");
}

}  // namespace pw::store
