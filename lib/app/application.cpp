#include "app/application.h"

#include "app/alert_log.h"
#include "app/config_reloader.h"
#include "app/instance_lock.h"
#include "app/logging.h"
#include "app/systemd_notifier.h"
#include "app/waking_alert_sink.h"
#include "common/free_memory.h"
#include "control/config_command.h"
#include "control/metrics_listener.h"
#include "control/notify_commands.h"
#include "control/outbox_read_command.h"
#include "control/service_commands.h"
#include "control/unix_control_server.h"
#include "net/curl_http_client.h"
#include "net/threaded_http_client.h"
#include "notify/notify_service.h"
#include "polling/polling_service.h"
#include "push/push_listener.h"
#include "simulator/fake_carrier_server.h"
#include "simulator/sample_histories.h"
#include "store/open_store.h"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace pw {
namespace asio = boost::asio;

namespace {

constexpr auto kDrainGrace = std::chrono::seconds(5);

// Anyone who can enter the socket's folder can connect; refuse a folder more
// open than 0750 rather than serve the control channel to every local user.
void checkSocketFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    throw std::runtime_error("cannot stat control socket folder " + dir.string());
  if (st.st_mode & 0027) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error("control socket folder " + dir.string() + " is mode " + mode +
                             "; it must not be more open than 0750 (chmod 750 " + dir.string() +
                             ")");
  }
}

std::string statusLine(PollingService& service) {
  auto s = service.status();
  if (!s) return "running";
  std::int64_t parcels = 0, open = 0;
  for (auto& [k, v] : s->counts.parcels_by_stage) parcels += v;
  for (auto& [k, v] : s->counts.open_exceptions_by_kind) open += v;
  return "watching " + std::to_string(parcels) + " parcels, " + std::to_string(open) +
         " open exceptions";
}

// The embedded default: serve the bundled sample histories on 127.0.0.1 and
// register their parcels once, pinned to their first registration time.
std::unique_ptr<FakeCarrierServer> startSimulator(asio::io_context& io, Config& config,
                                                  Store& store, const Clock& clock) {
  auto samples = SampleHistories::load(config.simulator.samples);
  if (!samples) throw std::runtime_error("simulator: " + samples.error().message);
  auto server = std::make_unique<FakeCarrierServer>(io, "parcelwatch-simulator", "simulator-key");
  auto port = server->start(static_cast<std::uint16_t>(config.simulator.port));
  useSimulator(config, *server);
  auto shared = std::make_shared<SampleHistories>(std::move(*samples));
  Timestamp now = clock.now();
  for (const auto& sp : shared->parcels()) {
    auto existing = store.findParcel(sp.parcel.tracking_number);
    if (!existing) throw std::runtime_error(existing.error().message);
    Timestamp shippedAt = now - sp.shipped_ago;
    if (*existing) {
      shippedAt = (*existing)->shipped_at;
    } else {
      Parcel p = sp.parcel;
      p.shipped_at = shippedAt;
      if (auto r = store.addParcel(p, now); !r) throw std::runtime_error(r.error().message);
    }
    shared->anchor(sp.parcel.tracking_number, shippedAt);
  }
  server->setHistorySource([shared, &clock](const std::string&, const std::string& num) {
    return shared->render(num, clock.now());
  });
  spdlog::info("SIMULATOR_STARTED url={} samples={} parcels={}", server->queryUrl(),
               config.simulator.samples.string(), shared->parcels().size());
  (void)port;
  return server;
}

}  // namespace

Application::Application(Config config) : config_(std::move(config)) {}

int Application::run() {
  SystemClock clock;
  // One thread runs the loop (io.run() below; the writer, the decoders and the
  // HTTP thread only post to it). Said so, Asio queues what a handler posts
  // on that thread without a lock and without waking the reactor: otherwise
  // each such post cost an epoll_ctl on the eventfd Asio interrupts with.
  asio::io_context io{1};
  // Files and folders the daemon creates are not world-readable (the socket's
  // folder in particular).
  ::umask(0027);

  std::error_code ec;
  std::filesystem::create_directories(config_.daemon.state_dir, ec);
  if (ec)
    throw std::runtime_error("cannot create state_dir " + config_.daemon.state_dir.string() + ": " +
                             ec.message());
  InstanceLock lock(config_.daemon.state_dir / "parcelwatchd.lock");
  checkSocketFolder(config_.daemon.control_socket.parent_path());
  // Before the database is touched: a daemon with another state_dir may own the socket.
  if (auto r = control::UnixControlServer::checkNotInUse(config_.daemon.control_socket); !r)
    throw std::runtime_error(r.error().message);
  auto where = describeStore(config_);
  StoreOptions storeOptions;
  storeOptions.event_cap = static_cast<std::size_t>(config_.daemon.max_events_per_parcel);
  auto store = openStore(config_, storeOptions);
  if (!store) throw std::runtime_error(store.error().message);
  spdlog::info("STORE_OPENED backend={} db={}", (*store)->backend(), where);

  AlertLog alerts(config_.daemon.alert_log);

  std::unique_ptr<FakeCarrierServer> simulator;
  if (config_.simulator.enabled) simulator = startSimulator(io, config_, **store, clock);

  // Polls' curl runs on threads of its own; their answers come back to the loop.
  ThreadedHttpClient http(io, curlLimits(config_), httpThreads(config_));
  spdlog::info("POLL_HTTP threads={} max_in_flight={}", http.threads(), config_.poll.max_in_flight);

  // Notifications have their own connection (its writes are a sink's small
  // marks, made on the event loop) and their own HTTP client, so a slow
  // endpoint never holds a polling slot.
  auto notifyStore = openStore(config_, storeOptions);
  if (!notifyStore) throw std::runtime_error(notifyStore.error().message);
  CurlLimits notifyLimits;
  notifyLimits.total_timeout = std::chrono::minutes(2);  // each request carries its sink's timeout
  notifyLimits.max_body_bytes = 64 * 1024;
  CurlHttpClient notifyHttp(io, notifyLimits);
  notify::SystemNotifyClock notifyClock;
  notify::NotifyService notify(io, **notifyStore, notifyHttp, config_.notify_sinks, notifyClock);
  notify.setRetention(config_.store.outbox_retention);
  WakingAlertSink wakingAlerts(alerts, [&notify] { notify.wake(); });

  auto config = std::make_shared<const Config>(config_);
  PollingService service(io, **store, http, clock, wakingAlerts, config);

  control::CommandRegistry registry;
  control::addServiceCommands(
      registry, service, PARCELWATCH_VERSION,
      [&notify](boost::json::object& data) { data["notify"] = notify.statsJson(); });
  control::addNotifyCommands(registry, notify);
  // The notification connection: it is the one used on the event loop's thread.
  control::addOutboxReadCommand(registry, **notifyStore);
  registry.add(
      "reopen-logs", "reopen the alert log (after logrotate moved it)",
      [&alerts](const boost::json::object& a) {
        if (auto bad = control::unknownArgument(a, {})) return control::error(*bad);
        if (!alerts.reopen()) return control::error("cannot reopen " + alerts.path().string());
        if (!reopenLogFile()) return control::error("cannot reopen the log file");
        spdlog::info("ALERT_LOG_REOPENED path={}", alerts.path().string());
        return control::ok("reopened " + alerts.path().string());
      },
      control::Access::change);
  auto controlAccess = std::make_shared<control::AccessPolicy>();
  controlAccess->group = config_.control.group;
  SystemdNotifier notifier;
  std::unique_ptr<PushListener> push;
  ConfigReloader reloader(config_, {service, http, push, simulator, *controlAccess, notifier,
                                    [&service] { return statusLine(service); }});
  auto reload = [&] { return reloader.reload(); };
  registry.add(
      "reload", "re-read the configuration file; keeps the old one if the new is invalid",
      [&](const boost::json::object& a) {
        if (auto bad = control::unknownArgument(a, {})) return control::error(*bad);
        return reload();
      },
      control::Access::change);
  registry.add("config", "the running configuration, secrets masked",
               [&](const boost::json::object& a) {
                 if (auto bad = control::unknownArgument(a, {})) return control::error(*bad);
                 return control::configAnswer(*service.config(), reloader.restartNeeded());
               });

  control::ServerLimits controlLimits;
  controlLimits.request_timeout = config_.control.request_timeout;
  controlLimits.idle_timeout = config_.control.idle_timeout;
  controlLimits.max_clients = config_.control.max_clients;
  control::UnixControlServer control(io, registry, config_.daemon.control_socket, controlLimits,
                                     controlAccess);
  if (auto r = control.start(); !r) throw std::runtime_error(r.error().message);

  if (!config_.push_listen.empty()) {
    push = std::make_unique<PushListener>(io, service, *config);
    if (auto r = push->start(config_.push_listen); !r) throw std::runtime_error(r.error().message);
  }

  std::unique_ptr<control::MetricsListener> metrics;
  if (!config_.metrics_listen.empty()) {
    metrics = std::make_unique<control::MetricsListener>(
        io, service, PARCELWATCH_VERSION, [&notify] { return notify.prometheusText(); });
    if (auto r = metrics->start(config_.metrics_listen); !r)
      throw std::runtime_error(r.error().message);
  }

  // Polling starts once every listener is bound, so a start-up failure
  // leaves nothing half-done.
  if (auto r = service.start(); !r) throw std::runtime_error(r.error().message);
  if (auto r = notify.start(); !r) throw std::runtime_error("notify: " + r.error().message);

  // The watchdog is pinged from the event loop itself, so a stuck loop (not
  // just a dead process) gets the service restarted.
  asio::steady_timer watchdog(io);
  asio::steady_timer statusTimer(io);
  std::function<void()> pet;
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void()> waitSignal;
  waitSignal = [&] {
    signals.async_wait([&](boost::system::error_code sec, int signo) {
      if (sec) return;
      if (signo == SIGHUP) {
        // systemctl reload: the configuration, and the alert log (so a
        // logrotate rule may use either).
        reload();
        if (!reopenLogFile()) spdlog::error("LOG_REOPEN_FAILED");
        if (alerts.reopen())
          spdlog::info("ALERT_LOG_REOPENED path={}", alerts.path().string());
        else
          spdlog::error("ALERT_LOG_REOPEN_FAILED path={}", alerts.path().string());
        return waitSignal();
      }
      spdlog::info("SHUTDOWN signal={}", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      notifier.stopping();
      control.stop();
      if (push) push->stop();
      if (metrics) metrics->stop();
      if (simulator) simulator->stop();
      // Answers still in flight are dropped: their events stay unfinished in
      // the outbox and are sent again on the next start (at least once).
      notify.stop();
      notifyHttp.cancelAll();
      service.stop(kDrainGrace, [&] {
        signals.cancel();
        watchdog.cancel();
        statusTimer.cancel();
        io.stop();
      });
    });
  };
  waitSignal();

  if (auto interval = notifier.watchdogInterval(); interval.count() > 0) {
    pet = [&, half = interval / 2] {
      notifier.watchdog();
      watchdog.expires_after(half);
      watchdog.async_wait([&](boost::system::error_code wec) {
        if (!wec) pet();
      });
    };
    pet();
  }

  // `systemctl status` shows a STATUS= line; keep it current.
  std::function<void()> refreshStatus = [&] {
    statusTimer.expires_after(std::chrono::seconds(30));
    statusTimer.async_wait([&](boost::system::error_code sec) {
      if (sec) return;
      notifier.status(statusLine(service));
      refreshStatus();
    });
  };
  refreshStatus();

  notifier.ready(statusLine(service));
  // quick_check reads the whole file (seconds at a million parcels): after
  // READY, on its own thread and connection; the result is logged and shown
  // in status (CHECK_DONE / CHECK_FAILED), and `parcelwatchctl check` reruns it.
  if (auto r = service.check(); !r) spdlog::error("CHECK_FAILED result=\"{}\"", r.error().message);
  spdlog::info("READY version={} socket={} alert_log={} allocator={}", PARCELWATCH_VERSION,
               config_.daemon.control_socket.string(), config_.daemon.alert_log.string(),
               allocatorName());
  io.run();
  spdlog::info("STOPPED");
  return 0;
}

}  // namespace pw
