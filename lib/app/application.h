#pragma once
// The composition root: builds the event loop, the store, the HTTP client,
// the polling service, the control socket and (in the embedded default) the
// simulated carrier, then runs until SIGTERM/SIGINT. It lives in lib/ so tests
// can run the whole daemon in-process.
#include "config/config.h"

namespace pw {

class Application {
 public:
  explicit Application(Config config);
  /// Runs until stopped by a signal; returns the process exit code. Start-up
  /// failures throw std::runtime_error with a message for stderr.
  int run();

 private:
  Config config_;
};

}  // namespace pw
