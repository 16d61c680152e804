#pragma once
// The daemon's configuration as one immutable value. It is built from a TOML
// file by loadConfig() and only ever replaced whole, never edited in place.
#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "carriers/seventeen_track/seventeen_track_codec.h"
#include "common/address_filter.h"
#include "notify/sink_config.h"
#include "remedies/assessor.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace pw {

struct DaemonSettings {
  std::filesystem::path state_dir;       // holds parcelwatch.db
  std::filesystem::path control_socket;  // Unix-domain stream socket
  std::filesystem::path alert_log;       // JSON lines, one per task raised
  std::string log_level = "info";
  std::filesystem::path log_file;  // empty: stderr
  /// Stored events per parcel (StoreOptions::event_cap).
  int max_events_per_parcel = 500;
};

/// Where parcels are kept. SQLite needs nothing (parcelwatch.db in daemon.state_dir); several
/// nodes share one PostgreSQL database.
struct StoreSettings {
  std::string backend = "sqlite";  // "sqlite" or "postgres"
  std::string postgres_conninfo;   // libpq conninfo or URI; may hold a password
  /// This node's name on a shared database (leases, heartbeats, `nodes`);
  /// empty: the host name.
  std::string node;
  /// How long a claim on a due parcel holds (a dead node's parcels wait this long).
  Seconds lease{60};
  /// Alert events stay in the outbox at least this long (`follow --from SEQ`
  /// can resume within it), and until every notification sink has them.
  Seconds outbox_retention{std::chrono::hours(24 * 7)};
};

/// What one aggregator allows: the account's rate and paid daily plan, and
/// what it allows per tracking number (Kuaidi100 locks a number queried more
/// than 48 times in 24 h and asks for 30 minutes between queries).
struct AggregatorPollLimits {
  double requests_per_second = 10;  // 0: unlimited
  std::int64_t daily_budget = 0;    // queries per rolling 24 h; 0: unlimited
  Seconds number_min_gap{0};
  int number_max_per_day = 0;  // 0: unlimited
};

struct PollSettings {
  /// "adaptive": each parcel when an answer could change a decision (its
  /// stage, the next threshold, push-first); "fixed": every `interval`.
  std::string schedule = "adaptive";
  Seconds interval = std::chrono::minutes(60);
  int max_in_flight = 16;
  /// Threads that send the queries and decode the answers (0: one per core,
  /// at most 4); they share max_in_flight, so there are no more than it.
  int http_threads = 0;
  Seconds connect_timeout = std::chrono::seconds(5);
  Seconds request_timeout = std::chrono::seconds(20);
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  /// After a failed poll, try again this soon (or as Retry-After says, if
  /// later), doubling with jitter for each further failure up to retry_max.
  Seconds retry_after_failure = std::chrono::minutes(5);
  Seconds retry_max = std::chrono::hours(6);
  std::map<std::string, AggregatorPollLimits, std::less<>> aggregator_limits = {
      {"kuaidi100", {10, 0, std::chrono::minutes(30), 48}},
      {"kuaidiniao", {10, 0, Seconds(0), 0}},
      {"17track", {3, 0, Seconds(0), 0}},
  };
};

struct ControlSettings {
  /// Members may run changing commands; empty: the daemon's own group.
  std::string group;
  Seconds request_timeout = std::chrono::seconds(10);
  Seconds idle_timeout = std::chrono::seconds(30);
  std::size_t max_clients = 32;
};

// Limits and access of the push listener (push.listen turns it on).
struct PushSettings {
  AddressFilter allow_from;  // empty: any peer
  std::size_t max_connections = 256;
  std::size_t max_body_bytes = 512 * 1024;
  Seconds read_timeout = std::chrono::seconds(10);  // a whole request, header and body
};

struct SimulatorSettings {
  bool enabled = false;
  int port = 0;  // 0: any free port on 127.0.0.1
  std::filesystem::path samples;
};

struct Config {
  std::filesystem::path source;  // the file this came from
  DaemonSettings daemon;
  StoreSettings store;
  PollSettings poll;
  /// The aggregator that serves parcels: kuaidi100, kuaidiniao or 17track.
  std::string default_aggregator = "kuaidi100";
  /// The aggregator for international postal items (UPU S10 numbers); empty: the default.
  std::string cross_border_aggregator;
  bool kuaidi100_enabled = true;
  Kuaidi100Settings kuaidi100;
  bool kuaidiniao_enabled = false;
  KuaidiniaoSettings kuaidiniao;
  bool seventeen_track_enabled = false;
  SeventeenTrackSettings seventeen_track;
  SimulatorSettings simulator;
  /// "host:port" for the push listener; empty: no listener.
  std::string push_listen;
  PushSettings push;
  ControlSettings control;
  /// "127.0.0.1:port" for Prometheus metrics; empty: none.
  std::string metrics_listen;
  std::filesystem::path messages;
  /// [[notify.sink]] tables, validated, secrets resolved (restart to change).
  std::vector<notify::NotifySinkConfig> notify_sinks;
  AssessmentRules rules;  // thresholds, remedy policy and loaded message templates
  /// Every key's effective value as TOML text (file or default), secrets
  /// masked: what `config` shows and what a reload compares.
  std::map<std::string, std::string> settings;
};

}  // namespace pw
