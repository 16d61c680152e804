#include "config/notify_sinks.h"

#include "common/duration.h"

#include <algorithm>
#include <map>

namespace pw {

namespace {

using notify::NotifySinkConfig;

std::string position(const std::filesystem::path& file, const toml::source_region& src) {
  return file.string() + ":" + std::to_string(src.begin.line) + ":" +
         std::to_string(src.begin.column);
}

std::optional<std::string> text(const toml::node& n, std::string& out) {
  if (!n.is_string()) return "expected a string";
  out = *n.value<std::string>();
  return std::nullopt;
}

std::optional<std::string> millis(const toml::node& n, notify::Millis& out) {
  if (!n.is_string()) return "expected a duration string such as \"10s\"";
  auto d = parseDuration(*n.value<std::string>());
  if (!d) return d.error().message;
  out = std::chrono::duration_cast<notify::Millis>(*d);
  return std::nullopt;
}

std::optional<std::string> strings(const toml::node& n, std::vector<std::string>& out) {
  const auto* a = n.as_array();
  if (!a) return "expected an array of strings";
  for (const auto& v : *a) {
    if (!v.is_string()) return "expected an array of strings";
    out.push_back(*v.value<std::string>());
  }
  return std::nullopt;
}

// One key of one sink; nullopt when it was read.
std::optional<std::string> readKey(std::string_view key, const toml::node& n,
                                   NotifySinkConfig& sink, const SecretResolver& secrets,
                                   std::string& shown) {
  std::string s;
  if (key == "name") return text(n, sink.name);
  if (key == "url") return text(n, sink.url);
  if (key == "type") {
    if (auto e = text(n, s)) return e;
    auto t = notify::sinkTypeFromString(s);
    if (!t) return "must be webhook, dingtalk, wecom or feishu";
    sink.type = *t;
    return std::nullopt;
  }
  if (key == "secret") {
    if (auto e = text(n, s)) return e;
    // Shown as its reference, or masked: a secret never reaches a log or `config`.
    shown = (s.rfind("env:", 0) == 0 || s.rfind("file:", 0) == 0) ? s : s.empty() ? "" : "********";
    auto v = secrets(s);
    if (!v) return v.error().message;
    sink.secret = *v;
    return std::nullopt;
  }
  if (key == "events") {
    std::vector<std::string> names;
    if (auto e = strings(n, names)) return e;
    sink.events.clear();
    for (const auto& name : names) {
      auto ev = notify::alertEventNameFromString(name);
      if (!ev || *ev == notify::AlertEventName::test) return "unknown event '" + name + "'";
      sink.events.insert(*ev);
    }
    return std::nullopt;
  }
  if (key == "kinds") {
    std::vector<std::string> names;
    if (auto e = strings(n, names)) return e;
    for (const auto& name : names) {
      auto k = exceptionKindFromString(name);
      if (!k) return "unknown exception kind '" + name + "'";
      sink.kinds.insert(*k);
    }
    return std::nullopt;
  }
  if (key == "max_in_flight") {
    if (!n.is_integer()) return "expected an integer";
    auto v = *n.value<long long>();
    if (v < 0 || v > 64) return "must be between 0 and 64";
    sink.max_in_flight = static_cast<int>(v);
    return std::nullopt;
  }
  if (key == "timeout") return millis(n, sink.timeout);
  if (key == "retry_initial") return millis(n, sink.retry_initial);
  if (key == "retry_max_interval") return millis(n, sink.retry_max_interval);
  if (key == "retry_for") return millis(n, sink.retry_for);
  if (key == "rate_limit") {
    if (auto e = text(n, s)) return e;
    auto r = notify::parseRateLimit(s);
    if (!r) return r.error().message;
    sink.rate_limit = *r;
    return std::nullopt;
  }
  return "unknown key";
}

// A robot's URL carries its credential (DingTalk's access_token, WeCom's key,
// Feishu's hook id): `config` shows only where it goes.
std::string shownUrl(const std::string& url) {
  auto scheme = url.find("://");
  auto path = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path) + "/…";
}

}  // namespace

bool sameSinks(const std::vector<notify::NotifySinkConfig>& a,
               const std::vector<notify::NotifySinkConfig>& b) {
  auto same = [](const NotifySinkConfig& x, const NotifySinkConfig& y) {
    return x.name == y.name && x.type == y.type && x.url == y.url && x.secret == y.secret &&
           x.events == y.events && x.kinds == y.kinds && x.max_in_flight == y.max_in_flight &&
           x.timeout == y.timeout && x.retry_initial == y.retry_initial &&
           x.retry_max_interval == y.retry_max_interval && x.retry_for == y.retry_for &&
           x.rate_limit == y.rate_limit;
  };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same);
}

NotifySinksRead readNotifySinks(const toml::node& node, const std::filesystem::path& file,
                                const SecretResolver& secrets) {
  NotifySinksRead out;
  const auto* array = node.as_array();
  if (!array || !array->is_array_of_tables()) {
    out.errors.push_back(position(file, node.source()) +
                         ": notify.sink: expected [[notify.sink]] tables");
    return out;
  }
  std::vector<toml::source_region> where;  // per sink, per key: for validation errors
  std::vector<std::map<std::string, toml::source_region>> keyWhere;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& table = *array->get(i)->as_table();
    NotifySinkConfig sink;
    std::string prefix = "notify.sink[" + std::to_string(i) + "].";
    std::string shownSecret;
    keyWhere.emplace_back();
    where.push_back(table.source());
    for (auto&& [k, v] : table) {
      std::string key(k.str());
      keyWhere.back()[key] = v.source();
      if (auto err = readKey(key, v, sink, secrets, shownSecret))
        out.errors.push_back(position(file, v.source()) + ": " + prefix + key + ": " + *err);
    }
    out.display += (out.display.empty() ? "" : "; ") + sink.name + " " +
                   std::string(notify::toString(sink.type)) + " " + shownUrl(sink.url) +
                   " secret=" + shownSecret;
    out.sinks.push_back(std::move(sink));
  }
  if (!out.errors.empty()) return out;
  for (const auto& p : notify::validateSinkConfigs(out.sinks)) {
    auto it = keyWhere[p.index].find(p.key);
    const auto& src = it != keyWhere[p.index].end() ? it->second : where[p.index];
    out.errors.push_back(position(file, src) + ": " + p.toString());
  }
  return out;
}

std::string notifySinkDefaults() {
  return R"(
# Notification sinks (issue 13): one [[notify.sink]] table per destination; none by default.
# Every alert event is written to the outbox in the database in the transaction that causes
# it; each sink delivers the events it wants from there. Sinks take effect on restart (a
# reload that changes them says so and keeps the running ones). See README "Notifications".
# [[notify.sink]]
# name = "crm"                      # 1 to 32 of a-z 0-9 - _, unique
# type = "webhook"                  # webhook, dingtalk, wecom, feishu
# url = "https://crm.example.com/hooks/parcelwatch"
# secret = "env:PARCELWATCH_WEBHOOK_SECRET"   # secret; env:/file: allowed
# events = ["task_raised", "task_updated", "task_closed"]
# kinds = []                        # exception kinds; empty: all
# max_in_flight = 0                 # 0: webhook 4, robots 1
# timeout = "10s"
# retry_initial = "10s"
# retry_max_interval = "1h"
# retry_for = "24h"                 # then the event is parked
# rate_limit = ""                   # "COUNT/DURATION", stricter than the platform's own
)";
}

}  // namespace pw
