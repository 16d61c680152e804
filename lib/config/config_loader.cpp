#include "config/config_loader.h"

#include "config/notify_sinks.h"

#include "common/duration.h"
#include "common/listen_address.h"
#include "common/time_format.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

namespace pw {
namespace fs = std::filesystem;

namespace {

std::string position(const fs::path& file, const toml::source_region& src) {
  return file.string() + ":" + std::to_string(src.begin.line) + ":" +
         std::to_string(src.begin.column);
}

// The whole of a configuration, template or secret file, or why it cannot be
// read, without exceptions: a file in a folder the daemon's user cannot
// enter must be a message and exit 78, not an abort.
Result<std::string> readRegularFile(const fs::path& file, std::size_t maxBytes) {
  std::error_code ec;
  auto st = fs::status(file, ec);
  if (st.type() == fs::file_type::not_found)
    return makeError(ErrorCode::not_found, file.string() + ": no such file");
  if (ec) return makeError(ErrorCode::io, file.string() + ": cannot read: " + ec.message());
  if (fs::is_directory(st))
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": is a folder, not a configuration file");
  if (!fs::is_regular_file(st))
    return makeError(ErrorCode::invalid_input, file.string() + ": is not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return makeError(ErrorCode::io, file.string() + ": cannot read: " + std::strerror(errno));
  std::string text(std::min<std::uintmax_t>(fs::file_size(file, ec), maxBytes), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad())
    return makeError(ErrorCode::io, file.string() + ": cannot read: " + std::strerror(errno));
  return text;
}

constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

struct Ctx {
  fs::path base;  // folder of the config file
};

using Apply = std::function<std::optional<std::string>(const toml::node&, Config&, const Ctx&)>;

enum Reload : bool { kRestart = false, kLive = true };

struct KeySpec {
  std::string_view key;
  std::string_view type;  // a "duration" is text such as "48h"; "secret" is masked on display
  /// As TOML text, for --print-defaults and `config`; empty: no default.
  std::string_view default_value;
  Reload reload;  // whether a reload applies it, or it waits for a restart
  std::string_view doc;
  Apply apply;
};

template <class F>
Apply duration(F field, Seconds min, Seconds max) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    auto s = n.value<std::string>();
    if (!n.is_string() || !s) return "expected a duration string such as \"48h\"";
    auto d = parseDuration(*s);
    if (!d) return d.error().message;
    if (*d < min || *d > max)
      return "must be between " + formatDuration(min) + " and " + formatDuration(max);
    field(c) = *d;
    return std::nullopt;
  };
}

template <class F>
Apply integer(F field, long long min, long long max) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    if (!n.is_integer()) return "expected an integer";
    long long v = *n.value<long long>();
    if (v < min || v > max)
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    field(c) = static_cast<std::remove_reference_t<decltype(field(c))>>(v);
    return std::nullopt;
  };
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

template <class F>
Apply real(F field, double min, double max) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    if (!n.is_number()) return "expected a number";
    double v = n.is_integer() ? double(*n.value<long long>()) : *n.value<double>();
    if (v < min || v > max) return "must be between " + number(min) + " and " + number(max);
    field(c) = v;
    return std::nullopt;
  };
}

template <class F>
Apply string(F field, bool allowEmpty) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    if (!n.is_string()) return "expected a string";
    auto s = *n.value<std::string>();
    if (!allowEmpty && s.empty()) return "must not be empty";
    field(c) = s;
    return std::nullopt;
  };
}

// A secret may stay out of the main file: "env:NAME" reads an environment
// variable, "file:PATH" the first line of a file (relative to the config's
// folder), so the config can be world-readable and kept in version control.
Result<std::string> resolveSecretIn(std::string s, const Ctx& ctx) {
  auto bad = [](std::string m) { return makeError(ErrorCode::invalid_input, std::move(m)); };
  if (s.rfind("env:", 0) == 0) {
    const char* v = std::getenv(s.substr(4).c_str());
    if (!v || !*v) return bad("environment variable " + s.substr(4) + " is not set");
    s = v;
  } else if (s.rfind("file:", 0) == 0) {
    fs::path p = s.substr(5);
    if (!p.is_absolute()) p = ctx.base / p;
    auto text = readRegularFile(p, 64 * 1024);
    if (!text) return bad("cannot read secret file " + p.string());
    std::string line = text->substr(0, text->find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) return bad("secret file " + p.string() + " is empty");
    s = line;
  }
  return s;
}

template <class F>
Apply secret(F field) {
  return [=](const toml::node& n, Config& c, const Ctx& ctx) -> std::optional<std::string> {
    if (!n.is_string()) return "expected a string (or \"env:NAME\", \"file:PATH\")";
    auto s = resolveSecretIn(*n.value<std::string>(), ctx);
    if (!s) return s.error().message;
    field(c) = *s;
    return std::nullopt;
  };
}

template <class F>
Apply path(F field) {
  return [=](const toml::node& n, Config& c, const Ctx& ctx) -> std::optional<std::string> {
    if (!n.is_string()) return "expected a path string";
    fs::path p = *n.value<std::string>();
    if (p.empty()) return "must not be empty";
    field(c) = (p.is_absolute() ? p : ctx.base / p).lexically_normal();
    return std::nullopt;
  };
}

// A string from a fixed set; `rule` is the error text, e.g. "must be a or b".
template <class F>
Apply oneOf(F field, std::vector<std::string_view> choices, std::string rule) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    auto s = n.value<std::string>();
    if (!n.is_string() || !s) return "expected a string";
    if (std::find(choices.begin(), choices.end(), *s) == choices.end()) return rule;
    field(c) = *s;
    return std::nullopt;
  };
}

template <class F>
Apply timeZone(F field) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    auto s = n.value<std::string>();
    if (!n.is_string() || !s) return "expected a string";
    auto z = TimeZone::fromName(*s);
    if (!z) return z.error().message;
    field(c) = *z;
    return std::nullopt;
  };
}

template <class F>
Apply boolean(F field) {
  return [=](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
    if (!n.is_boolean()) return "expected true or false";
    field(c) = *n.value<bool>();
    return std::nullopt;
  };
}

// { name = factor, ... } with factors in (0, 10].
std::optional<std::string> factors(const toml::node& n, std::map<std::string, double>& out) {
  const auto* table = n.as_table();
  if (!table) return "expected a table such as { name = 1.5 }";
  out.clear();
  for (auto&& [k, v] : *table) {
    if (!v.is_number()) return "'" + std::string(k.str()) + "' must be a number";
    double f = v.is_integer() ? double(*v.value<long long>()) : *v.value<double>();
    if (f <= 0 || f > 10) return "'" + std::string(k.str()) + "' must be in (0, 10]";
    out[std::string(k.str())] = f;
  }
  return std::nullopt;
}

#define FIELD(expr) \
  [](Config & c) -> auto& { return c.expr; }

// What an aggregator allows (carriers.NAME.*): the same four keys for each,
// with that aggregator's defaults (Kuaidi100's per-number rules).
#define LIMIT_KEYS(name, rps, gap, perDay)                                                      \
  KeySpec{"carriers." name ".requests_per_second",                                              \
          "float",                                                                              \
          rps,                                                                                  \
          kLive,                                                                                \
          "queries per second to this aggregator (0: no limit)",                                \
          real(FIELD(poll.aggregator_limits[name].requests_per_second), 0, 10000)},             \
      KeySpec{"carriers." name ".daily_budget",                                                 \
              "integer",                                                                        \
              "0",                                                                              \
              kLive,                                                                            \
              "queries per rolling 24 h the plan allows (0: no limit); when short, at-risk "    \
              "parcels go first",                                                               \
              integer(FIELD(poll.aggregator_limits[name].daily_budget), 0, 1000000000)},        \
      KeySpec{                                                                                  \
          "carriers." name ".number_min_gap",                                                   \
          "duration",                                                                           \
          gap,                                                                                  \
          kLive,                                                                                \
          "never query one number twice within this",                                           \
          duration(FIELD(poll.aggregator_limits[name].number_min_gap), seconds(0), hours(24))}, \
      KeySpec {                                                                                 \
    "carriers." name ".number_max_per_day", "integer", perDay, kLive,                           \
        "never query one number more often than this in 24 h (0: no limit)",                    \
        integer(FIELD(poll.aggregator_limits[name].number_max_per_day), 0, 10000)               \
  }

const std::vector<KeySpec>& keys() {
  using namespace std::chrono;
  static const std::vector<KeySpec> kKeys = {
      {"daemon.state_dir", "path", "\"/var/lib/parcelwatch\"", kRestart,
       "folder for the SQLite database", path(FIELD(daemon.state_dir))},
      {"daemon.control_socket", "path", "\"/run/parcelwatch/parcelwatch.sock\"", kRestart,
       "Unix socket parcelwatchctl talks to", path(FIELD(daemon.control_socket))},
      {"daemon.alert_log", "path", "\"/var/log/parcelwatch/alerts.jsonl\"", kRestart,
       "JSON-lines alert stream: exceptions and tasks raised, updated, resolved",
       path(FIELD(daemon.alert_log))},
      {"daemon.log_file", "path", "", kRestart,
       "main log file; empty: stderr (the journal under systemd)", path(FIELD(daemon.log_file))},
      {"daemon.max_events_per_parcel", "integer", "500", kRestart,
       "events kept per parcel; over it repeated scans go first, then the oldest, never the "
       "evidence of an open exception (bounds the cost of a poll or push)",
       integer(FIELD(daemon.max_events_per_parcel), 50, 5000)},
      {"daemon.log_level", "string", "\"info\"", kLive, "trace, debug, info, warn, error",
       oneOf(FIELD(daemon.log_level), {"trace", "debug", "info", "warn", "error"},
             "must be one of trace, debug, info, warn, error")},
      {"poll.schedule", "string", "\"adaptive\"", kLive,
       "adaptive: query each parcel when an answer could change a decision (stage, next "
       "threshold, pushes first); fixed: every poll.interval",
       oneOf(FIELD(poll.schedule), {"adaptive", "fixed"}, "must be adaptive or fixed")},
      {"store.backend", "string", "\"sqlite\"", kRestart,
       "where parcels are kept: \"sqlite\" (daemon.state_dir/parcelwatch.db, no setup) or "
       "\"postgres\" (store.postgres.conninfo; several nodes may share one database)",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         if (*s != "sqlite" && *s != "postgres") return "must be \"sqlite\" or \"postgres\"";
         c.store.backend = *s;
         return std::nullopt;
       }},
      {"store.postgres.conninfo", "secret", "", kRestart,
       "libpq connection string or postgresql:// URI for store.backend = \"postgres\" (secret: "
       "it may hold a password; \"env:NAME\" or \"file:PATH\" allowed)",
       secret(FIELD(store.postgres_conninfo))},
      {"store.node", "string", "", kRestart,
       "this node's name on a shared database (leases, heartbeats, `parcelwatchctl nodes`); "
       "empty: the host name. Two nodes must not share one",
       string(FIELD(store.node), true)},
      {"store.lease", "duration", "\"1m\"", kRestart,
       "a shared database's claim on a due parcel: a node that dies leaves its parcels to the "
       "others this long after it claimed them (longer than poll.request_timeout)",
       duration(FIELD(store.lease), seconds(10), hours(1))},
      {"store.outbox_retention", "duration", "\"7d\"", kRestart,
       "alert events stay in the outbox this long (`parcelwatchctl follow --from SEQ` resumes "
       "within it), and until every notification sink has delivered them",
       duration(FIELD(store.outbox_retention), hours(1), hours(24 * 90))},
      {"poll.interval", "duration", "\"1h\"", kLive,
       "with poll.schedule = \"fixed\": how often each active parcel is queried",
       duration(FIELD(poll.interval), seconds(1), hours(24 * 7))},
      {"poll.max_in_flight", "integer", "16", kLive, "carrier requests open at once",
       integer(FIELD(poll.max_in_flight), 1, 1024)},
      {"poll.http_threads", "integer", "0", kRestart,
       "threads that send carrier requests and decode the answers, sharing poll.max_in_flight; "
       "0: one per core, at most 4",
       integer(FIELD(poll.http_threads), 0, 16)},
      {"poll.connect_timeout", "duration", "\"5s\"", kLive, "TCP+TLS connect limit per request",
       duration(FIELD(poll.connect_timeout), seconds(1), minutes(2))},
      {"poll.request_timeout", "duration", "\"20s\"", kLive, "whole-request limit",
       duration(FIELD(poll.request_timeout), seconds(1), minutes(10))},
      {"poll.max_response_bytes", "bytes", "4194304", kLive, "larger carrier answers are refused",
       integer(FIELD(poll.max_response_bytes), 1024, 256LL * 1024 * 1024)},
      {"poll.retry_after_failure", "duration", "\"5m\"", kLive,
       "first retry delay after a failed poll; doubles with jitter per failure",
       duration(FIELD(poll.retry_after_failure), seconds(1), hours(24))},
      {"poll.retry_max", "duration", "\"6h\"", kLive, "longest retry delay after failures",
       duration(FIELD(poll.retry_max), seconds(1), hours(24 * 7))},
      {"detect.stalled_after", "duration", "\"48h\"", kLive,
       "in transit with no new scan for this long",
       duration(FIELD(rules.detection.stalled_after), minutes(1), hours(24 * 60))},
      {"detect.province_factor", "table",
       "{ \"新疆维吾尔自治区\" = 1.5, \"西藏自治区\" = 1.5, \"青海省\" = 1.5, \"内蒙古自治区\" = "
       "1.5 }",
       kLive, "threshold multipliers by destination province, e.g. { \"西藏自治区\" = 2.0 }",
       [](const toml::node& n, Config& c, const Ctx&) {
         return factors(n, c.rules.detection.province_factor);
       }},
      {"detect.carrier_factor", "table", "{}", kLive,
       "threshold multipliers by carrier code, e.g. { ems = 1.5 }",
       [](const toml::node& n, Config& c, const Ctx&) {
         return factors(n, c.rules.detection.carrier_factor);
       }},
      {"detect.cross_border_factor", "float", "3.5", kLive,
       "multiplier of stalled_after and pickup_overdue_after for parcels sent abroad "
       "(destination.country set, or a UPU S10 number): international legs are days long",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         if (!n.is_number()) return "expected a number";
         double v = n.is_integer() ? double(*n.value<long long>()) : *n.value<double>();
         if (v <= 0 || v > 10) return "must be in (0, 10]";
         c.rules.detection.cross_border_factor = v;
         return std::nullopt;
       }},
      {"remedies.high_value", "float", "2000", kLive,
       "orders worth this much need approval before reship/refund",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         if (!n.is_number()) return "expected a number";
         double v = n.is_integer() ? double(*n.value<long long>()) : *n.value<double>();
         if (v < 0) return "must be >= 0";
         c.rules.remedy.high_value = v;
         return std::nullopt;
       }},
      {"detect.holidays", "array", "[]", kLive,
       "holiday periods as \"YYYY-MM-DD/YYYY-MM-DD\" (inclusive, local dates); gaps inside do not "
       "count",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         const auto* arr = n.as_array();
         if (!arr) return "expected an array of \"YYYY-MM-DD/YYYY-MM-DD\" strings";
         c.rules.detection.holidays.clear();
         for (const auto& item : *arr) {
           auto s = item.value<std::string>();
           auto slash = s ? s->find('/') : std::string::npos;
           if (!s || slash == std::string::npos)
             return "expected \"YYYY-MM-DD/YYYY-MM-DD\" strings";
           auto from = parseLocalDateTime(s->substr(0, slash) + " 00:00", TimeZone::shanghai());
           auto to = parseLocalDateTime(s->substr(slash + 1) + " 00:00", TimeZone::shanghai());
           if (!from || !to || *to < *from) return "bad holiday period '" + *s + "'";
           c.rules.detection.holidays.emplace_back(*from, *to + std::chrono::hours(24));
         }
         return std::nullopt;
       }},
      {"detect.delivery_overdue_after", "duration", "\"24h\"", kLive,
       "out for delivery with nothing after it for this long",
       duration(FIELD(rules.detection.delivery_overdue_after), minutes(1), hours(24 * 60))},
      {"detect.pickup_overdue_after", "duration", "\"48h\"", kLive,
       "waiting at a locker or station this long",
       duration(FIELD(rules.detection.pickup_overdue_after), minutes(1), hours(24 * 60))},
      {"detect.invalid_number_after", "duration", "\"24h\"", kLive,
       "carrier still has no record this long after shipping",
       duration(FIELD(rules.detection.invalid_number_after), minutes(1), hours(24 * 60))},
      {"detect.false_sign_window", "duration", "\"30m\"", kLive,
       "a signature this soon after a failed attempt is suspect",
       duration(FIELD(rules.detection.false_sign_window), minutes(1), hours(24))},
      {"detect.promise_margin", "duration", "\"24h\"", kLive,
       "warn this long before promised_by if not in the city",
       duration(FIELD(rules.detection.promise_margin), minutes(1), hours(24 * 14))},
      {"detect.not_picked_up_after", "duration", "\"24h\"", kLive,
       "no pickup scan this long after shipped_at",
       duration(FIELD(rules.detection.not_picked_up_after), minutes(1), hours(24 * 60))},
      {"carriers.kuaidi100.enabled", "bool", "true", kLive, "query Kuaidi100",
       boolean(FIELD(kuaidi100_enabled))},
      {"carriers.kuaidi100.endpoint", "string", "\"https://poll.kuaidi100.com/poll/query.do\"",
       kLive, "poll/query.do URL", string(FIELD(kuaidi100.endpoint), false)},
      {"carriers.kuaidi100.customer", "string", "", kLive, "Kuaidi100 customer id",
       string(FIELD(kuaidi100.customer), true)},
      {"carriers.kuaidi100.key", "secret", "", kLive,
       "Kuaidi100 API key (secret; \"env:NAME\" or \"file:PATH\" allowed)",
       secret(FIELD(kuaidi100.key))},
      {"carriers.kuaidi100.callback_url", "string", "", kLive,
       "subscribe new parcels to pushes at this URL (the push listener's /push/kuaidi100)",
       string(FIELD(kuaidi100.callback_url), true)},
      {"carriers.kuaidi100.salt", "secret", "", kLive,
       "signs subscription pushes (secret; env:/file: allowed)", secret(FIELD(kuaidi100.salt))},
      {"control.group", "string", "\"\"", kLive,
       "group whose members may run changing commands (track, rerun, task, reload...); "
       "empty: the daemon's own group. Root and the daemon's user always may",
       string(FIELD(control.group), true)},
      {"control.request_timeout", "duration", "\"10s\"", kRestart,
       "a request must arrive whole this soon after its first byte",
       duration(FIELD(control.request_timeout), seconds(1), minutes(10))},
      {"control.idle_timeout", "duration", "\"30s\"", kRestart,
       "an idle control connection is closed after this",
       duration(FIELD(control.idle_timeout), seconds(1), hours(1))},
      {"control.max_clients", "integer", "32", kRestart, "control connections open at once",
       integer(FIELD(control.max_clients), 1, 1024)},
      {"metrics.listen", "string", "\"\"", kRestart,
       "127.0.0.1:PORT (or [::1]:PORT) to serve Prometheus metrics at /metrics; empty: off",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         if (!s->empty() && s->rfind("127.0.0.1:", 0) != 0 && s->rfind("[::1]:", 0) != 0 &&
             s->rfind("localhost:", 0) != 0)
           return "must be on localhost (127.0.0.1:PORT or [::1]:PORT); put a proxy in front to "
                  "expose it";
         if (!s->empty())
           if (auto ep = parseListenAddress(*s); !ep) return ep.error().message;
         c.metrics_listen = *s;
         return std::nullopt;
       }},
      {"push.listen", "string", "", kRestart,
       "host:port of the push listener, e.g. \"127.0.0.1:8900\"; every enabled aggregator's push "
       "secret must be set (carriers.kuaidi100.salt)",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         if (!s->empty())
           if (auto ep = parseListenAddress(*s); !ep) return ep.error().message;
         c.push_listen = *s;
         return std::nullopt;
       }},
      {"push.allow_from", "array", "[]", kLive,
       "networks that may push, e.g. [\"203.0.113.0/24\", \"2001:db8::/32\"] (the aggregators "
       "publish their callback addresses); others get 403. Empty: any",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         const auto* arr = n.as_array();
         if (!arr) return "expected an array of networks such as [\"203.0.113.0/24\"]";
         std::vector<std::string> networks;
         for (const auto& item : *arr) {
           auto s = item.value<std::string>();
           if (!item.is_string() || !s) return "expected an array of strings";
           networks.push_back(*s);
         }
         auto filter = AddressFilter::parse(networks);
         if (!filter) return filter.error().message;
         c.push.allow_from = std::move(*filter);
         return std::nullopt;
       }},
      {"push.max_connections", "integer", "256", kRestart,
       "push connections open at once; more are closed at once (and logged)",
       integer(FIELD(push.max_connections), 1, 65536)},
      {"push.max_body_bytes", "bytes", "524288", kRestart,
       "larger push requests get 413 (a Kuaidi100 push with a long history is well under this)",
       integer(FIELD(push.max_body_bytes), 1024, 64LL * 1024 * 1024)},
      {"push.read_timeout", "duration", "\"10s\"", kRestart,
       "a whole push request, header and body, must arrive within this",
       duration(FIELD(push.read_timeout), seconds(1), minutes(5))},
      {"carriers.kuaidi100.timezone", "string", "\"Asia/Shanghai\"", kLive,
       "zone of the carrier's local times", timeZone(FIELD(kuaidi100.zone))},
      LIMIT_KEYS("kuaidi100", "10", "\"30m\"", "48"),

      {"carriers.default", "string", "\"kuaidi100\"", kLive,
       "aggregator serving parcels: kuaidi100, kuaidiniao, 17track",
       oneOf(FIELD(default_aggregator), {"kuaidi100", "kuaidiniao", "17track"},
             "must be kuaidi100, kuaidiniao or 17track")},
      {"carriers.cross_border", "string", "", kLive,
       "aggregator for international postal items (UPU S10 numbers), e.g. 17track",
       oneOf(FIELD(cross_border_aggregator), {"kuaidi100", "kuaidiniao", "17track"},
             "must be kuaidi100, kuaidiniao or 17track")},
      {"carriers.kuaidiniao.enabled", "bool", "false", kLive, "query Kuaidiniao",
       boolean(FIELD(kuaidiniao_enabled))},
      {"carriers.kuaidiniao.endpoint", "string",
       "\"https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx\"", kLive,
       "EbusinessOrderHandle.aspx URL", string(FIELD(kuaidiniao.endpoint), false)},
      {"carriers.kuaidiniao.business_id", "string", "", kLive, "EBusinessID",
       string(FIELD(kuaidiniao.business_id), true)},
      {"carriers.kuaidiniao.app_key", "secret", "", kLive, "AppKey (secret; env:/file: allowed)",
       secret(FIELD(kuaidiniao.app_key))},
      {"carriers.kuaidiniao.request_type", "string", "\"8001\"", kLive,
       "1002 (instant query) or 8001 (in-transit monitor)",
       oneOf(FIELD(kuaidiniao.request_type), {"1002", "8001"}, "must be \"1002\" or \"8001\"")},
      {"carriers.kuaidiniao.timezone", "string", "\"Asia/Shanghai\"", kLive,
       "zone of the carrier's local times", timeZone(FIELD(kuaidiniao.zone))},
      LIMIT_KEYS("kuaidiniao", "10", "\"0s\"", "0"),

      {"carriers.17track.enabled", "bool", "false", kLive, "query 17TRACK (cross-border)",
       boolean(FIELD(seventeen_track_enabled))},
      {"carriers.17track.endpoint", "string", "\"https://api.17track.net/track/v2.2\"", kLive,
       "API base URL, e.g. https://api.17track.net/track/v2.2",
       string(FIELD(seventeen_track.endpoint), false)},
      {"carriers.17track.token", "secret", "", kLive,
       "17token header value (secret; env:/file: allowed)", secret(FIELD(seventeen_track.token))},
      LIMIT_KEYS("17track", "3", "\"0s\"", "0"),

      {"simulator.enabled", "bool", "false", kRestart,
       "serve the bundled simulated Kuaidi100 on 127.0.0.1", boolean(FIELD(simulator.enabled))},
      {"simulator.port", "integer", "0", kRestart, "port for the simulator, 0 for any free one",
       integer(FIELD(simulator.port), 0, 65535)},
      {"simulator.samples", "path", "", kRestart,
       "sample parcels and histories the simulator serves", path(FIELD(simulator.samples))},
      {"remedies.messages", "path", "\"messages.toml\"", kLive, "message templates (TOML)",
       path(FIELD(messages))},
  };
  return kKeys;
}

// Defaults as TOML text, for --print-defaults. An empty string means "no
// default" and prints commented out. A test checks every key has an entry.
const std::vector<std::string_view> kSections = {
    "daemon",           "store",     "store.postgres",     "poll",
    "detect",           "carriers",  "carriers.kuaidi100", "carriers.kuaidiniao",
    "carriers.17track", "simulator", "remedies",           "push",
    "control",          "metrics"};

// How a key's value is shown by `config` and compared on reload. Secrets
// never leave the process: only an "env:"/"file:" reference is shown.
std::string display(const KeySpec& spec, const toml::node& node) {
  if (spec.type == "secret") {
    auto s = node.value<std::string>();
    if (s && (s->rfind("env:", 0) == 0 || s->rfind("file:", 0) == 0))
      return "\"" + *s + "\" (secret)";
    return s && s->empty() ? "\"\"" : "\"********\"";
  }
  std::ostringstream out;
  if (const auto* t = node.as_table()) {
    toml::table copy = *t;
    copy.is_inline(true);  // one line, e.g. { ems = 1.5 }
    out << toml::toml_formatter(toml::table{{"v", copy}}, toml::format_flags::none);
    std::string line = out.str();
    return line.substr(line.find('=') + 2);
  }
  toml::format_flags flags = toml::format_flags::none;  // "90s", not '90s'
  node.visit([&](const auto& v) { out << toml::toml_formatter(v, flags); });
  return out.str();
}

struct Walker {
  const fs::path& file;
  Config& config;
  Ctx ctx;
  std::vector<std::string> errors;

  void walk(const toml::table& table, const std::string& prefix) {
    for (auto&& [k, node] : table) {
      std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      const KeySpec* mapSpec = nullptr;
      for (const auto& s : keys())
        if (s.key == key && s.type == "table") mapSpec = &s;
      if (node.is_table() && mapSpec) {
        if (auto err = mapSpec->apply(node, config, ctx))
          errors.push_back(position(file, node.source()) + ": " + key + ": " + *err);
        else
          config.settings[key] = display(*mapSpec, node);
        continue;
      }
      if (key == "notify" && node.is_table()) {
        walkNotify(*node.as_table());
        continue;
      }
      if (node.is_table()) {
        bool known = false;
        for (auto s : kSections) known = known || s == key;
        if (!known) {
          errors.push_back(position(file, node.source()) + ": unknown section [" + key + "]");
          continue;
        }
        walk(*node.as_table(), key);
        continue;
      }
      const KeySpec* spec = nullptr;
      for (const auto& s : keys())
        if (s.key == key) spec = &s;
      if (!spec) {
        errors.push_back(position(file, node.source()) + ": unknown key '" + key + "'");
        continue;
      }
      if (auto err = spec->apply(node, config, ctx))
        errors.push_back(position(file, node.source()) + ": " + key + ": " + *err);
      else
        config.settings[key] = display(*spec, node);
    }
  }
  void walkNotify(const toml::table& table);
};

void Walker::walkNotify(const toml::table& table) {
  for (auto&& [k, node] : table) {
    if (k.str() != "sink") {
      errors.push_back(position(file, node.source()) + ": unknown key 'notify." +
                       std::string(k.str()) + "'");
      continue;
    }
    auto read =
        readNotifySinks(node, file, [&](const std::string& s) { return resolveSecretIn(s, ctx); });
    errors.insert(errors.end(), read.errors.begin(), read.errors.end());
    config.notify_sinks = std::move(read.sinks);
    config.settings["notify.sink"] = "\"" + read.display + "\"";
  }
}

Result<MessageTemplates> loadMessages(const fs::path& file) {
  auto text = readRegularFile(file, kMaxConfigBytes);
  if (!text) {
    if (text.error().code == ErrorCode::not_found)
      return makeError(ErrorCode::invalid_input,
                       file.string() + ": no such file (named by remedies.messages)");
    return makeError(ErrorCode::invalid_input, text.error().message);
  }
  toml::table root;
  try {
    root = toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    return makeError(ErrorCode::invalid_input,
                     position(file, e.source()) + ": " + std::string(e.description()));
  }
  MessageTemplates out;
  for (auto&& [k, node] : root) {
    std::string kind(k.str());
    auto parsed = exceptionKindFromString(kind);
    if (!parsed || !node.is_table())
      return makeError(ErrorCode::invalid_input,
                       position(file, node.source()) + ": unknown exception kind [" + kind + "]");
    MessageTemplate tpl;
    for (auto&& [lang, text] : *node.as_table()) {
      std::string where =
          position(file, text.source()) + ": " + kind + "." + std::string(lang.str());
      if (!text.is_string())
        return makeError(ErrorCode::invalid_input, where + ": expected a string");
      std::string s = *text.value<std::string>();
      if (auto r = MessageTemplates::check(s); !r)
        return makeError(ErrorCode::invalid_input, where + ": " + r.error().message);
      if (lang.str() == "zh-CN")
        tpl.zh_cn = s;
      else if (lang.str() == "en")
        tpl.en = s;
      else
        return makeError(ErrorCode::invalid_input, where + ": unknown language (zh-CN, en)");
    }
    if (tpl.zh_cn.empty() || tpl.en.empty())
      return makeError(ErrorCode::invalid_input,
                       position(file, node.source()) + ": [" + kind + "] needs both zh-CN and en");
    out.set(*parsed, std::move(tpl));
  }
  return out;
}

}  // namespace

std::string printDefaults() {
  std::string out =
      "# parcelwatchd configuration: every key with its default (parcelwatchd --print-defaults).\n"
      "# Keys without a default are commented out. Relative paths are relative to this file.\n"
      "# Keys marked [restart] take effect on restart; all others on reload (SIGHUP,\n"
      "# systemctl reload parcelwatch, parcelwatchctl reload).\n";
  std::vector<std::string> sections;
  for (const auto& k : keys()) {
    std::string section(k.key.substr(0, k.key.rfind('.')));
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      sections.push_back(section);
  }
  for (const auto& section : sections) {
    out += "\n[" + section + "]\n";
    for (const auto& k : keys()) {
      if (k.key.substr(0, k.key.rfind('.')) != section) continue;
      std::string name(k.key.substr(k.key.rfind('.') + 1));
      std::string value(k.default_value);
      out += "# " + std::string(k.doc) + " (" + std::string(k.type) +
             (k.reload == kRestart ? ") [restart]\n" : ")\n");
      out += value.empty() ? "# " + name + " = \"\"\n" : name + " = " + value + "\n";
    }
  }
  out += notifySinkDefaults();
  return out;
}

std::vector<std::string> restartOnlyChanges(const Config& running, const Config& next) {
  std::vector<std::string> out;
  for (const auto& k : keys()) {
    if (k.reload == kLive) continue;
    std::string key(k.key);
    auto a = running.settings.find(key);
    auto b = next.settings.find(key);
    std::string av = a == running.settings.end() ? "" : a->second;
    std::string bv = b == next.settings.end() ? "" : b->second;
    if (av != bv) out.push_back(key);
  }
  // Sinks are built at start-up with their delivery state; see README.
  if (!sameSinks(running.notify_sinks, next.notify_sinks)) out.push_back("notify.sink");
  return out;
}

std::vector<ConfigKeyInfo> configKeys() {
  std::vector<ConfigKeyInfo> out;
  for (const auto& k : keys())
    out.push_back({std::string(k.key), std::string(k.type), std::string(k.default_value),
                   k.reload == kLive, std::string(k.doc)});
  return out;
}

Result<Config> loadConfig(const fs::path& file) {
  auto text = readRegularFile(file, kMaxConfigBytes);
  if (!text) return makeError(ErrorCode::invalid_input, text.error().message);
  return parseConfig(*text, file);
}

Result<Config> parseConfig(std::string_view text, const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return makeError(ErrorCode::invalid_input,
                     position(file, e.source()) + ": " + std::string(e.description()));
  }
  Config config;
  std::error_code ec;
  config.source = fs::absolute(file, ec);
  if (ec) config.source = file;
  for (const auto& k : keys()) config.settings[std::string(k.key)] = std::string(k.default_value);
  Walker w{file, config, Ctx{config.source.parent_path()}, {}};
  w.walk(root, "");
  if (!w.errors.empty()) {
    std::string all;
    for (auto& e : w.errors) all += (all.empty() ? "" : "\n") + e;
    return makeError(ErrorCode::invalid_input, all);
  }
  auto missing = [&](std::string_view key) {
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": missing required key '" + std::string(key) + "'");
  };
  if (config.daemon.state_dir.empty()) return missing("daemon.state_dir");
  if (config.daemon.control_socket.empty()) return missing("daemon.control_socket");
  if (config.daemon.alert_log.empty()) return missing("daemon.alert_log");
  if (config.messages.empty()) return missing("remedies.messages");
  // sockaddr_un holds 108 bytes including the terminator.
  if (config.daemon.control_socket.string().size() > 107)
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": daemon.control_socket: path longer than 107 bytes: " +
                         config.daemon.control_socket.string());
  if (config.simulator.enabled && config.simulator.samples.empty())
    return missing("simulator.samples");
  if (config.store.backend == "postgres" && config.store.postgres_conninfo.empty())
    return makeError(
        ErrorCode::invalid_input,
        file.string() + ": store.postgres.conninfo: required when store.backend = \"postgres\"");
  if (config.store.backend == "postgres" &&
      config.store.lease <= config.poll.request_timeout + std::chrono::seconds(5))
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": store.lease (" + formatDuration(config.store.lease) +
                         ") must be longer than poll.request_timeout (" +
                         formatDuration(config.poll.request_timeout) +
                         ") by more than 5s: a lease that ends while its query is out would let "
                         "another node query the number again");
  if (config.store.node.empty()) {
    // A host runs one node per database; a second one on the same host names itself.
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0])
      config.store.node = host;
    else
      config.store.node = "parcelwatchd";
  }
  if (config.kuaidi100_enabled && !config.simulator.enabled &&
      (config.kuaidi100.customer.empty() || config.kuaidi100.key.empty()))
    return makeError(ErrorCode::invalid_input,
                     file.string() +
                         ": carriers.kuaidi100: customer and key are required "
                         "(or enable the simulator)");
  if (config.kuaidiniao_enabled &&
      (config.kuaidiniao.business_id.empty() || config.kuaidiniao.app_key.empty()))
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": carriers.kuaidiniao: business_id and app_key are required");
  if (config.seventeen_track_enabled && config.seventeen_track.token.empty())
    return makeError(ErrorCode::invalid_input,
                     file.string() + ": carriers.17track: token is required");
  // A push listener verifies every push with the aggregator's secret; an
  // empty one would let anyone who can reach it forge deliveries and tasks.
  if (!config.push_listen.empty() && config.kuaidi100_enabled && config.kuaidi100.salt.empty())
    return makeError(ErrorCode::invalid_input,
                     file.string() +
                         ": carriers.kuaidi100.salt: required when push.listen is set (pushes to "
                         "/push/kuaidi100 are verified with it); set it, or disable pushes");
  bool defaultEnabled = (config.default_aggregator == "kuaidi100" && config.kuaidi100_enabled) ||
                        (config.default_aggregator == "kuaidiniao" && config.kuaidiniao_enabled) ||
                        (config.default_aggregator == "17track" && config.seventeen_track_enabled);
  auto enabled = [&](const std::string& name) {
    return (name == "kuaidi100" && config.kuaidi100_enabled) ||
           (name == "kuaidiniao" && config.kuaidiniao_enabled) ||
           (name == "17track" && config.seventeen_track_enabled);
  };
  if (!config.cross_border_aggregator.empty() && !enabled(config.cross_border_aggregator))
    return makeError(ErrorCode::invalid_input, file.string() + ": carriers.cross_border: '" +
                                                   config.cross_border_aggregator +
                                                   "' is not enabled");
  if (!defaultEnabled)
    return makeError(ErrorCode::invalid_input, file.string() + ": carriers.default: '" +
                                                   config.default_aggregator + "' is not enabled");
  auto templates = loadMessages(config.messages);
  if (!templates) return templates.error();
  config.rules.templates = std::move(*templates);
  config.rules.display_zone = config.kuaidi100.zone;
  return config;
}

Result<std::string> resolveSecret(const std::string& value, const fs::path& base) {
  return resolveSecretIn(value, Ctx{base});
}

}  // namespace pw
