#include "load/pgbench.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pw::load {

namespace {

std::string output(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace

std::string describe(const PgbenchRun& run) {
  return "pgbench -N -c " + std::to_string(run.clients) + " -j " + std::to_string(run.threads) +
         " -T " + std::to_string(run.seconds);
}

double pgbenchTps(const std::string& schema, const PgbenchRun& run) {
  std::string env = "PGOPTIONS=-csearch_path=" + schema + " ";
  output(env + "pgbench -i -q -s 1 2>&1");
  std::string out = output(env + describe(run) + " 2>&1");
  auto at = out.find("tps = ");
  if (at == std::string::npos) {
    std::cerr << "pgbench said:\n" << out;
    return 0;
  }
  return std::atof(out.c_str() + at + 6);
}

}  // namespace pw::load
