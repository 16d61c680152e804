#include "app/config_reloader.h"

#include "app/logging.h"
#include "config/config_loader.h"
#include "polling/polling_service.h"
#include "push/push_listener.h"
#include "simulator/fake_carrier_server.h"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>
#include <thread>

namespace pw {

CurlLimits curlLimits(const Config& config) {
  CurlLimits limits;
  limits.connect_timeout = config.poll.connect_timeout;
  limits.total_timeout = config.poll.request_timeout;
  limits.max_body_bytes = config.poll.max_response_bytes;
  limits.user_agent = std::string("parcelwatch/") + PARCELWATCH_VERSION;
  // A connection per request slot stays open for the next poll.
  limits.max_idle_connections = std::max(8L, 2L * config.poll.max_in_flight);
  // The carrier sees at most max_in_flight requests; the poll loop hands over
  // the next ones early (PollLoop::dispatch).
  limits.max_transfers = static_cast<std::size_t>(config.poll.max_in_flight);
  return limits;
}

unsigned httpThreads(const Config& config) {
  // One thread was the poll round's bottleneck on two cores: runnable 86 % of
  // the round, the writer and the loop waiting on it (tests/bench/README.md).
  // The client starts no more threads than max_in_flight (ThreadedHttpClient).
  return config.poll.http_threads > 0 ? static_cast<unsigned>(config.poll.http_threads)
                                      : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

void useSimulator(Config& config, const FakeCarrierServer& server) {
  config.kuaidi100.endpoint = server.queryUrl();
  config.kuaidi100.customer = server.customer();
  config.kuaidi100.key = server.key();
  // `config` shows what is used, not what the file says.
  config.settings["carriers.kuaidi100.endpoint"] = "\"" + server.queryUrl() + "\" (simulator)";
  config.settings["carriers.kuaidi100.customer"] = "\"" + server.customer() + "\" (simulator)";
  config.settings["carriers.kuaidi100.key"] = "\"********\" (simulator)";
}

ConfigReloader::ConfigReloader(const Config& started, Parts parts)
    : started_(started), parts_(std::move(parts)) {}

control::Answer ConfigReloader::reload() {
  parts_.notifier.reloading();
  auto next = loadConfig(started_.source);
  if (!next) {
    spdlog::error("CONFIG_RELOAD_FAILED file={} error=\"{}\": still running on the old one",
                  started_.source.string(), next.error().message);
    parts_.notifier.ready(parts_.status_line());
    return control::error("reload failed, still running on the previous configuration:\n" +
                          next.error().message);
  }
  if (parts_.simulator) useSimulator(*next, *parts_.simulator);
  // Compared with the configuration the daemon started with: that is what
  // those keys still are.
  restart_needed_ = restartOnlyChanges(started_, *next);
  for (const auto& k : restart_needed_) {
    spdlog::warn("CONFIG_RESTART_NEEDED key={}: changed in the file, applied on restart", k);
    // `config` shows what runs; nothing reads these keys after start-up.
    next->settings[k] = started_.settings.at(k);
  }
  parts_.service.reconfigure(std::make_shared<const Config>(*next));
  parts_.http.setLimits(curlLimits(*next));
  if (parts_.push) parts_.push->reconfigure(*next);
  spdlog::set_level(spdlog::level::from_str(next->daemon.log_level));
  parts_.access.group = next->control.group;

  std::string pending;
  boost::json::array names;
  for (const auto& k : restart_needed_) {
    pending += (pending.empty() ? "" : ", ") + k;
    names.emplace_back(k);
  }
  spdlog::info("CONFIG_RELOADED file={} restart_needed=\"{}\"", started_.source.string(), pending);
  parts_.notifier.ready(parts_.status_line());
  std::string text = "reloaded " + started_.source.string();
  if (!pending.empty()) text += "; not applied until restart: " + pending;
  return control::ok(text, boost::json::object{{"restart_needed", std::move(names)}});
}

}  // namespace pw
