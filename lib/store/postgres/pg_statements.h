#pragma once
namespace pqxx {
class connection_base;
}

namespace pw::pg {

/// Declares the statements every poll commit and claim runs, so the server parses and plans
/// them once per connection (libpqxx prepares each on first use, and again after a reconnect).
void prepareStatements(pqxx::connection_base& conn);

}  // namespace pw::pg
