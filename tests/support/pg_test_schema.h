#pragma once
// A fresh PostgreSQL schema per test, dropped afterwards: tests see only their own tables, and
// making one costs a statement (a database per test cost about a second each, copying
// template1). The server is the one the PG* environment names (PGHOST, PGPORT, PGUSER,
// PGPASSWORD, PGDATABASE): `.ci/dev test` runs the suite under pg_virtualenv, which starts a
// throw-away server and sets them. Without them the test skips and says how to get a server.
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace pw::test {

/// Why PostgreSQL tests cannot run here, or nothing when a server is configured.
std::optional<std::string> postgresUnavailable();

class PgTestSchema {
 public:
  /// Creates schema `pw_test_<pid>_<n>`; throws when the configured server cannot be reached
  /// (a configured server that is down is a failure, not a skip).
  PgTestSchema();
  ~PgTestSchema();
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  const std::string& name() const { return name_; }
  /// libpq conninfo whose sessions create and find their tables in the schema; host, port,
  /// database, user and password come from the environment.
  std::string conninfo() const { return "options=-csearch_path=" + name_; }

 private:
  std::string name_;
};

}  // namespace pw::test

/// First statement of a PostgreSQL test (or fixture SetUp): skips it when no server is set up.
#define PW_REQUIRE_POSTGRES()                                               \
  do {                                                                      \
    if (auto why = ::pw::test::postgresUnavailable()) GTEST_SKIP() << *why; \
  } while (0)
