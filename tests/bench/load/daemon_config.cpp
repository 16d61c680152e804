#include "load/daemon_config.h"

namespace pw::load {

std::string DaemonConfig::toml() const {
  std::string t =
      "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
      "alert_log = \"alerts.jsonl\"\nlog_level = \"warn\"\n"
      "[poll]\nschedule = \"fixed\"\ninterval = \"1h\"\nmax_in_flight = " +
      std::to_string(max_in_flight) + "\n[carriers.kuaidi100]\nendpoint = \"" + carrier_endpoint +
      "\"\ncustomer = \"LOAD\"\nkey = \"LOAD-KEY\"\n"
      // The fake carrier is the ceiling being measured against: no account
      // rate limit in front of it.
      "requests_per_second = 0\n"
      // `rerun --all` re-polls every number minutes after the first round.
      "number_min_gap = \"0s\"\nnumber_max_per_day = 0\n";
  if (!salt.empty()) t += "salt = \"" + salt + "\"\n";
  if (!push_listen.empty()) t += "[push]\nlisten = \"" + push_listen + "\"\n";
  if (!metrics_listen.empty()) t += "[metrics]\nlisten = \"" + metrics_listen + "\"\n";
  if (!postgres_conninfo.empty())
    // A lease far longer than a poll here: no parcel changes node within a run.
    t += "[store]\nbackend = \"postgres\"\nnode = \"" + node +
         "\"\nlease = \"5m\"\n[store.postgres]\nconninfo = \"" + postgres_conninfo + "\"\n";
  t += "[remedies]\nmessages = \"" + messages + "\"\n";
  return t;
}

}  // namespace pw::load
