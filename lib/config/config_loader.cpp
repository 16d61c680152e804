#include "config/config_loader.h"

#include "common/duration.h"
#include "common/time_format.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

namespace pw {
namespace fs = std::filesystem;

namespace {

std::string position(const fs::path& file, const toml::source_region& src) {
  return file.string() + ":" + std::to_string(src.begin.line) + ":" +
         std::to_string(src.begin.column);
}

struct Ctx {
  fs::path base;  // folder of the config file
};

using Apply = std::function<std::optional<std::string>(const toml::node&, Config&, const Ctx&)>;

struct KeySpec {
  std::string_view key;
  std::string_view type;
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
template <class F>
Apply secret(F field) {
  return [=](const toml::node& n, Config& c, const Ctx& ctx) -> std::optional<std::string> {
    if (!n.is_string()) return "expected a string (or \"env:NAME\", \"file:PATH\")";
    std::string s = *n.value<std::string>();
    if (s.rfind("env:", 0) == 0) {
      const char* v = std::getenv(s.substr(4).c_str());
      if (!v || !*v) return "environment variable " + s.substr(4) + " is not set";
      s = v;
    } else if (s.rfind("file:", 0) == 0) {
      fs::path p = s.substr(5);
      if (!p.is_absolute()) p = ctx.base / p;
      std::ifstream in(p);
      std::string line;
      if (!in || !std::getline(in, line)) return "cannot read secret file " + p.string();
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty()) return "secret file " + p.string() + " is empty";
      s = line;
    }
    field(c) = s;
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

const std::vector<KeySpec>& keys() {
  using namespace std::chrono;
  static const std::vector<KeySpec> kKeys = {
      {"daemon.state_dir", "path", "folder for the SQLite database", path(FIELD(daemon.state_dir))},
      {"daemon.control_socket", "path", "Unix socket parcelwatchctl talks to",
       path(FIELD(daemon.control_socket))},
      {"daemon.alert_log", "path", "JSON-lines file, one line per task raised",
       path(FIELD(daemon.alert_log))},
      {"daemon.log_level", "string", "trace, debug, info, warn, error",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         for (auto l : {"trace", "debug", "info", "warn", "error"})
           if (*s == l) {
             c.daemon.log_level = *s;
             return std::nullopt;
           }
         return "must be one of trace, debug, info, warn, error";
       }},
      {"poll.interval", "duration", "how often each active parcel is queried",
       duration(FIELD(poll.interval), seconds(1), hours(24 * 7))},
      {"poll.max_in_flight", "integer", "carrier requests open at once",
       integer(FIELD(poll.max_in_flight), 1, 1024)},
      {"poll.connect_timeout", "duration", "TCP+TLS connect limit per request",
       duration(FIELD(poll.connect_timeout), seconds(1), minutes(2))},
      {"poll.request_timeout", "duration", "whole-request limit",
       duration(FIELD(poll.request_timeout), seconds(1), minutes(10))},
      {"poll.max_response_bytes", "integer", "larger carrier answers are refused",
       integer(FIELD(poll.max_response_bytes), 1024, 256LL * 1024 * 1024)},
      {"poll.retry_after_failure", "duration", "retry delay after a failed poll",
       duration(FIELD(poll.retry_after_failure), seconds(1), hours(24))},
      {"detect.stalled_after", "duration", "in transit with no new scan for this long",
       duration(FIELD(rules.detection.stalled_after), minutes(1), hours(24 * 60))},
      {"detect.province_factor", "table",
       "threshold multipliers by destination province, e.g. { \"西藏自治区\" = 2.0 }",
       [](const toml::node& n, Config& c, const Ctx&) {
         return factors(n, c.rules.detection.province_factor);
       }},
      {"detect.carrier_factor", "table",
       "threshold multipliers by carrier code, e.g. { ems = 1.5 }",
       [](const toml::node& n, Config& c, const Ctx&) {
         return factors(n, c.rules.detection.carrier_factor);
       }},
      {"remedies.high_value", "float", "orders worth this much need approval before reship/refund",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         if (!n.is_number()) return "expected a number";
         double v = n.is_integer() ? double(*n.value<long long>()) : *n.value<double>();
         if (v < 0) return "must be >= 0";
         c.rules.remedy.high_value = v;
         return std::nullopt;
       }},
      {"detect.holidays", "array",
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
      {"detect.delivery_overdue_after", "duration",
       "out for delivery with nothing after it for this long",
       duration(FIELD(rules.detection.delivery_overdue_after), minutes(1), hours(24 * 60))},
      {"detect.pickup_overdue_after", "duration", "waiting at a locker or station this long",
       duration(FIELD(rules.detection.pickup_overdue_after), minutes(1), hours(24 * 60))},
      {"detect.invalid_number_after", "duration",
       "carrier still has no record this long after shipping",
       duration(FIELD(rules.detection.invalid_number_after), minutes(1), hours(24 * 60))},
      {"detect.false_sign_window", "duration",
       "a signature this soon after a failed attempt is suspect",
       duration(FIELD(rules.detection.false_sign_window), minutes(1), hours(24))},
      {"detect.promise_margin", "duration", "warn this long before promised_by if not in the city",
       duration(FIELD(rules.detection.promise_margin), minutes(1), hours(24 * 14))},
      {"detect.not_picked_up_after", "duration", "no pickup scan this long after shipped_at",
       duration(FIELD(rules.detection.not_picked_up_after), minutes(1), hours(24 * 60))},
      {"carriers.kuaidi100.enabled", "bool", "query Kuaidi100", boolean(FIELD(kuaidi100_enabled))},
      {"carriers.kuaidi100.endpoint", "string", "poll/query.do URL",
       string(FIELD(kuaidi100.endpoint), false)},
      {"carriers.kuaidi100.customer", "string", "Kuaidi100 customer id",
       string(FIELD(kuaidi100.customer), true)},
      {"carriers.kuaidi100.key", "string",
       "Kuaidi100 API key (secret; \"env:NAME\" or \"file:PATH\" allowed)",
       secret(FIELD(kuaidi100.key))},
      {"carriers.kuaidi100.callback_url", "string",
       "subscribe new parcels to pushes at this URL (the push listener's /push/kuaidi100)",
       string(FIELD(kuaidi100.callback_url), true)},
      {"carriers.kuaidi100.salt", "string",
       "signs subscription pushes (secret; env:/file: allowed)", secret(FIELD(kuaidi100.salt))},
      {"push.listen", "string", "host:port of the push listener, e.g. \"127.0.0.1:8900\"",
       string(FIELD(push_listen), true)},
      {"carriers.kuaidi100.timezone", "string", "zone of the carrier's local times",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         auto z = TimeZone::fromName(*s);
         if (!z) return z.error().message;
         c.kuaidi100.zone = *z;
         return std::nullopt;
       }},
      {"carriers.default", "string", "aggregator serving parcels: kuaidi100, kuaidiniao, 17track",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         if (*s != "kuaidi100" && *s != "kuaidiniao" && *s != "17track")
           return "must be kuaidi100, kuaidiniao or 17track";
         c.default_aggregator = *s;
         return std::nullopt;
       }},
      {"carriers.cross_border", "string",
       "aggregator for international postal items (UPU S10 numbers), e.g. 17track",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         if (*s != "kuaidi100" && *s != "kuaidiniao" && *s != "17track")
           return "must be kuaidi100, kuaidiniao or 17track";
         c.cross_border_aggregator = *s;
         return std::nullopt;
       }},
      {"carriers.kuaidiniao.enabled", "bool", "query Kuaidiniao",
       boolean(FIELD(kuaidiniao_enabled))},
      {"carriers.kuaidiniao.endpoint", "string", "EbusinessOrderHandle.aspx URL",
       string(FIELD(kuaidiniao.endpoint), false)},
      {"carriers.kuaidiniao.business_id", "string", "EBusinessID",
       string(FIELD(kuaidiniao.business_id), true)},
      {"carriers.kuaidiniao.app_key", "string", "AppKey (secret; env:/file: allowed)",
       secret(FIELD(kuaidiniao.app_key))},
      {"carriers.kuaidiniao.request_type", "string",
       "1002 (instant query) or 8001 (in-transit monitor)",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s || (*s != "1002" && *s != "8001"))
           return "must be \"1002\" or \"8001\"";
         c.kuaidiniao.request_type = *s;
         return std::nullopt;
       }},
      {"carriers.kuaidiniao.timezone", "string", "zone of the carrier's local times",
       [](const toml::node& n, Config& c, const Ctx&) -> std::optional<std::string> {
         auto s = n.value<std::string>();
         if (!n.is_string() || !s) return "expected a string";
         auto z = TimeZone::fromName(*s);
         if (!z) return z.error().message;
         c.kuaidiniao.zone = *z;
         return std::nullopt;
       }},
      {"carriers.17track.enabled", "bool", "query 17TRACK (cross-border)",
       boolean(FIELD(seventeen_track_enabled))},
      {"carriers.17track.endpoint", "string",
       "API base URL, e.g. https://api.17track.net/track/v2.2",
       string(FIELD(seventeen_track.endpoint), false)},
      {"carriers.17track.token", "string", "17token header value (secret; env:/file: allowed)",
       secret(FIELD(seventeen_track.token))},
      {"simulator.enabled", "bool", "serve the bundled simulated Kuaidi100 on 127.0.0.1",
       boolean(FIELD(simulator.enabled))},
      {"simulator.port", "integer", "port for the simulator, 0 for any free one",
       integer(FIELD(simulator.port), 0, 65535)},
      {"simulator.samples", "path", "sample parcels and histories the simulator serves",
       path(FIELD(simulator.samples))},
      {"remedies.messages", "path", "message templates (TOML)", path(FIELD(messages))},
  };
  return kKeys;
}

// Defaults as TOML text, for --print-defaults. An empty string means "no
// default" and prints commented out. A test checks every key has an entry.
const std::map<std::string_view, std::string_view>& defaults() {
  static const std::map<std::string_view, std::string_view> kDefaults = {
      {"daemon.state_dir", "\"/var/lib/parcelwatch\""},
      {"daemon.control_socket", "\"/run/parcelwatch/parcelwatch.sock\""},
      {"daemon.alert_log", "\"/var/log/parcelwatch/alerts.jsonl\""},
      {"daemon.log_level", "\"info\""},
      {"poll.interval", "\"1h\""},
      {"poll.max_in_flight", "16"},
      {"poll.connect_timeout", "\"5s\""},
      {"poll.request_timeout", "\"20s\""},
      {"poll.max_response_bytes", "4194304"},
      {"poll.retry_after_failure", "\"5m\""},
      {"detect.stalled_after", "\"48h\""},
      {"detect.not_picked_up_after", "\"24h\""},
      {"detect.invalid_number_after", "\"24h\""},
      {"detect.delivery_overdue_after", "\"24h\""},
      {"detect.pickup_overdue_after", "\"48h\""},
      {"detect.false_sign_window", "\"30m\""},
      {"detect.promise_margin", "\"24h\""},
      {"detect.province_factor",
       "{ \"新疆维吾尔自治区\" = 1.5, \"西藏自治区\" = 1.5, \"青海省\" = 1.5, \"内蒙古自治区\" = "
       "1.5 }"},
      {"detect.carrier_factor", "{}"},
      {"detect.holidays", "[]"},
      {"remedies.high_value", "2000"},
      {"remedies.messages", "\"messages.toml\""},
      {"carriers.default", "\"kuaidi100\""},
      {"carriers.cross_border", ""},
      {"carriers.kuaidi100.enabled", "true"},
      {"carriers.kuaidi100.endpoint", "\"https://poll.kuaidi100.com/poll/query.do\""},
      {"carriers.kuaidi100.customer", ""},
      {"carriers.kuaidi100.key", ""},
      {"carriers.kuaidi100.callback_url", ""},
      {"carriers.kuaidi100.salt", ""},
      {"carriers.kuaidi100.timezone", "\"Asia/Shanghai\""},
      {"carriers.kuaidiniao.enabled", "false"},
      {"carriers.kuaidiniao.endpoint",
       "\"https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx\""},
      {"carriers.kuaidiniao.business_id", ""},
      {"carriers.kuaidiniao.app_key", ""},
      {"carriers.kuaidiniao.request_type", "\"8001\""},
      {"carriers.kuaidiniao.timezone", "\"Asia/Shanghai\""},
      {"carriers.17track.enabled", "false"},
      {"carriers.17track.endpoint", "\"https://api.17track.net/track/v2.2\""},
      {"carriers.17track.token", ""},
      {"push.listen", ""},
      {"simulator.enabled", "false"},
      {"simulator.port", "0"},
      {"simulator.samples", ""},
  };
  return kDefaults;
}

const std::vector<std::string_view> kSections = {"daemon",
                                                 "poll",
                                                 "detect",
                                                 "carriers",
                                                 "carriers.kuaidi100",
                                                 "carriers.kuaidiniao",
                                                 "carriers.17track",
                                                 "simulator",
                                                 "remedies",
                                                 "push"};

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
    }
  }
};

Result<MessageTemplates> loadMessages(const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
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
      "# Keys without a default are commented out. Relative paths are relative to this file.\n";
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
      auto d = defaults().find(k.key);
      std::string value = d == defaults().end() ? "" : std::string(d->second);
      out += "# " + std::string(k.doc) + " (" + std::string(k.type) + ")\n";
      out += value.empty() ? "# " + name + " = \"\"\n" : name + " = " + value + "\n";
    }
  }
  return out;
}

std::vector<std::string> keysWithoutDefault() {
  std::vector<std::string> out;
  for (const auto& k : keys())
    if (!defaults().count(k.key)) out.emplace_back(k.key);
  return out;
}

Result<Config> loadConfig(const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::string what(e.description());
    if (!fs::exists(file))
      return makeError(ErrorCode::invalid_input, file.string() + ": no such file");
    return makeError(ErrorCode::invalid_input, position(file, e.source()) + ": " + what);
  }
  Config config;
  config.source = fs::absolute(file);
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

}  // namespace pw
