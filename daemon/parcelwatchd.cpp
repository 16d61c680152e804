// parcelwatchd: parse options, load the configuration, run the Application,
// map failures to exit codes. Everything else lives in lib/.
//
// Exit codes (README, "Exit codes"): 0 stopped cleanly; 1 --check-config
// found the file invalid (or --migrate-to-postgres found the copy differs,
// app/migrate_command.h has its codes); 64 bad command line; 70 could not start or failed
// while running (state folder, lock, socket, listener, store); 78 bad or
// unreadable configuration. No exception leaves main: under systemd an abort
// (134) would be restarted in a loop, and says nothing useful.
#include "app/application.h"
#include "app/logging.h"
#include "app/migrate_command.h"
#include "common/free_memory.h"
#include "config/config_loader.h"

#include <CLI/CLI.hpp>

#include <sysexits.h>
#include <iostream>

namespace {

int run(int argc, char** argv) {
  pw::tuneAllocator();
  CLI::App cli{
      "parcelwatchd: watches parcels, detects logistics exceptions, raises buyer-notification "
      "tasks"};
  std::string configFile = "/etc/parcelwatch/parcelwatch.toml";
  std::string checkFile;
  bool version = false;
  bool printDefaults = false;
  std::string migrateTo;
  cli.add_option("-c,--config", configFile, "configuration file")->capture_default_str();
  cli.add_option("--check-config", checkFile, "validate FILE, print the result and exit 0 or 1");
  cli.add_flag("-V,--version", version, "print the version and exit");
  cli.add_flag("--print-defaults", printDefaults,
               "print a complete commented configuration and exit");
  cli.add_option(
         "--migrate-to-postgres", migrateTo,
         "copy daemon.state_dir/parcelwatch.db into this PostgreSQL database (libpq "
         "conninfo or URI, or env:NAME / file:PATH holding it), verify the counts and exit; "
         "the daemon must be stopped")
      ->type_name("CONNINFO");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : EX_USAGE;
  }
  if (version) {
    std::cout << "parcelwatchd " << PARCELWATCH_VERSION << "\n";
    return 0;
  }
  if (printDefaults) {
    std::cout << pw::printDefaults();
    return 0;
  }
  if (!checkFile.empty()) {
    auto config = pw::loadConfig(checkFile);
    if (!config) {
      std::cerr << config.error().message << "\n";
      return 1;
    }
    std::cout << checkFile << ": configuration OK\n";
    return 0;
  }

  // Errors go to stderr until logging is up (and the journal shows stderr).
  auto config = pw::loadConfig(configFile);
  if (!config) {
    std::cerr << "parcelwatchd: bad configuration:\n" << config.error().message << "\n";
    return EX_CONFIG;
  }
  if (!migrateTo.empty()) return pw::migrateToPostgres(*config, migrateTo, std::cout, std::cerr);
  try {
    pw::setupLogging(config->daemon.log_level, config->daemon.log_file);
    pw::Application app(std::move(*config));
    return app.run();
  } catch (const std::exception& e) {
    std::cerr << "parcelwatchd: cannot start: " << e.what() << "\n";
    return EX_SOFTWARE;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "parcelwatchd: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "parcelwatchd: unexpected failure\n";
  }
  return EX_SOFTWARE;
}
