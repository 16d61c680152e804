#pragma once
// The configuration a load run gives the daemon: state in the run's folder,
// log at warn (per-task info lines would be what is measured), one poll an
// hour per parcel (poll.schedule "fixed", so each is polled once in a run),
// Kuaidi100 pointed at the run's fake carrier with no requests-per-second
// limit. Relative paths are the config file's: one folder (and file) a node.
#include <string>

namespace pw::load {

struct DaemonConfig {
  std::string carrier_endpoint;  // the fake Kuaidi100's query URL
  int max_in_flight = 16;
  std::string salt;            // signs pushes; empty: none
  std::string push_listen;     // "127.0.0.1:PORT"; empty: no push listener
  std::string metrics_listen;  // "127.0.0.1:PORT"; empty: no /metrics
  std::string messages;        // path of messages.toml
  // A node of a cluster: store.backend "postgres" on this conninfo, under
  // this node name; empty: the SQLite store in the state folder.
  std::string postgres_conninfo;
  std::string node;

  std::string toml() const;
};

}  // namespace pw::load
