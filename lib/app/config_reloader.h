#pragma once
// Reload (SIGHUP, `systemctl reload`, `parcelwatchctl reload`): re-reads the
// file the daemon started from and, only if it is valid, hands the new
// configuration whole to every part that can take it live. Keys that need a
// restart are named and stay as they were.
#include "app/systemd_notifier.h"
#include "config/config.h"
#include "control/access_policy.h"
#include "control/envelope.h"
#include "net/threaded_http_client.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pw {

class FakeCarrierServer;
class PollingService;
class PushListener;

/// The HTTP client's limits from `poll.*`.
CurlLimits curlLimits(const Config& config);
/// The poll path's HTTP threads asked for: `poll.http_threads`, or one per
/// core (at most 4); the client caps them at `poll.max_in_flight`.
unsigned httpThreads(const Config& config);
/// Points the Kuaidi100 client at the simulator (again after every reload).
void useSimulator(Config& config, const FakeCarrierServer& server);

class ConfigReloader {
 public:
  struct Parts {
    PollingService& service;
    ThreadedHttpClient& http;
    const std::unique_ptr<PushListener>& push;            // may be empty
    const std::unique_ptr<FakeCarrierServer>& simulator;  // may be empty
    control::AccessPolicy& access;
    SystemdNotifier& notifier;
    std::function<std::string()> status_line;  // for STATUS= after the reload
  };
  ConfigReloader(const Config& started, Parts parts);

  control::Answer reload();
  /// Keys the last good reload read but could not apply.
  const std::vector<std::string>& restartNeeded() const { return restart_needed_; }

 private:
  const Config& started_;
  Parts parts_;
  std::vector<std::string> restart_needed_;
};

}  // namespace pw
