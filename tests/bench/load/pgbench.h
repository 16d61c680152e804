#pragma once
// PostgreSQL's own commit rate on the server the PG* environment names (the
// throw-away one pg_virtualenv starts): pgbench's simple-update workload
// (-N: without the contended branch and teller rows) in a schema of its own,
// the baseline the PostgreSQL store's figures are ratios to.
#include <string>

namespace pw::load {

struct PgbenchRun {
  int clients = 8;
  int threads = 2;
  int seconds = 10;
};

/// `pgbench -i -s 1` then `pgbench -N` in `schema` (which must exist); its
/// transactions/s, or 0 after printing pgbench's output to stderr.
double pgbenchTps(const std::string& schema, const PgbenchRun& run);

/// "pgbench -N -c 8 -j 2 -T 10".
std::string describe(const PgbenchRun& run);

}  // namespace pw::load
