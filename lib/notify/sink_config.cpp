#include "notify/sink_config.h"

#include "common/duration.h"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace pw::notify {

namespace {

using namespace std::chrono_literals;

bool validName(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool loopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

// Problems with the URL for this sink type, or an empty string.
std::string urlProblem(const NotifySinkConfig& s) {
  if (s.url.empty()) return "must not be empty";
  auto u = boost::urls::parse_absolute_uri(s.url);
  if (!u) return "not a URL: " + u.error().message();
  std::string scheme(u->scheme());
  std::string host(u->encoded_host());  // IPv6 keeps its brackets
  if (host.empty()) return "has no host";
  if (scheme != "https" && !(scheme == "http" && loopbackHost(host)))
    return "must be https:// (http:// only to loopback): secrets and tokens travel in it";
  auto params = u->params();
  switch (s.type) {
    case SinkType::dingtalk:
      if (params.find("access_token") == params.end())
        return "a DingTalk robot URL carries ?access_token=";
      if (params.find("sign") != params.end() || params.find("timestamp") != params.end())
        return "leave timestamp and sign out: they are added per message from `secret`";
      break;
    case SinkType::wecom:
      if (params.find("key") == params.end()) return "a WeCom robot URL carries ?key=";
      break;
    case SinkType::feishu:
      if (u->encoded_path().find("/bot/v2/hook/") == boost::urls::string_view::npos)
        return "a Feishu/Lark robot URL ends in /open-apis/bot/v2/hook/<id>";
      break;
    case SinkType::webhook:
      break;
  }
  return {};
}

std::string secretProblem(const NotifySinkConfig& s) {
  switch (s.type) {
    case SinkType::webhook:
      if (s.secret.size() < 16) return "required, at least 16 characters: it signs every call";
      break;
    case SinkType::dingtalk:
      if (!s.secret.empty() && s.secret.rfind("SEC", 0) != 0)
        return "a DingTalk 加签 secret starts with SEC (leave it empty for keyword or IP security)";
      break;
    case SinkType::wecom:
      if (!s.secret.empty())
        return "WeCom robots have no signing: leave it empty (the key is in url)";
      break;
    case SinkType::feishu:
      break;
  }
  return {};
}

}  // namespace

std::string_view toString(SinkType type) {
  switch (type) {
    case SinkType::webhook:
      return "webhook";
    case SinkType::dingtalk:
      return "dingtalk";
    case SinkType::wecom:
      return "wecom";
    case SinkType::feishu:
      return "feishu";
  }
  return "unknown";
}

std::optional<SinkType> sinkTypeFromString(std::string_view text) {
  for (auto t : {SinkType::webhook, SinkType::dingtalk, SinkType::wecom, SinkType::feishu})
    if (toString(t) == text) return t;
  return std::nullopt;
}

Result<RateLimit> parseRateLimit(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return makeError(ErrorCode::invalid_input, "expected COUNT/DURATION, e.g. \"20/1m\"");
  RateLimit r;
  auto countText = text.substr(0, slash);
  auto [end, ec] = std::from_chars(countText.data(), countText.data() + countText.size(), r.count);
  if (ec != std::errc() || end != countText.data() + countText.size() || r.count < 1)
    return makeError(ErrorCode::invalid_input, "count must be a whole number of at least 1");
  auto window = parseDuration(text.substr(slash + 1));
  if (!window) return window.error();
  if (*window < 1s) return makeError(ErrorCode::invalid_input, "window must be at least 1s");
  r.window = *window;
  return r;
}

std::string formatRateLimit(RateLimit limit) {
  return std::to_string(limit.count) + "/" +
         formatDuration(std::chrono::duration_cast<Seconds>(limit.window));
}

std::set<AlertEventName> defaultSinkEvents() {
  return {AlertEventName::task_raised, AlertEventName::task_updated, AlertEventName::task_closed};
}

std::string SinkConfigProblem::toString() const {
  return "notify.sink[" + std::to_string(index) + "]." + key + ": " + message;
}

std::vector<SinkConfigProblem> validateSinkConfigs(const std::vector<NotifySinkConfig>& sinks) {
  std::vector<SinkConfigProblem> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < sinks.size(); ++i) {
    const auto& s = sinks[i];
    auto problem = [&](std::string key, std::string message) {
      out.push_back({i, std::move(key), std::move(message)});
    };
    if (!validName(s.name))
      problem("name", "1 to 32 characters from a-z, 0-9, '-', '_' (it names the sink in commands)");
    else if (!names.insert(s.name).second)
      problem("name", "\"" + s.name + "\" is used by an earlier sink");
    if (auto p = urlProblem(s); !p.empty()) problem("url", p);
    if (auto p = secretProblem(s); !p.empty()) problem("secret", p);
    if (s.events.empty()) problem("events", "must name at least one event");
    if (s.events.count(AlertEventName::test))
      problem("events", "\"test\" is not an outbox event (parcelwatchctl notify-test sends one)");
    if (s.max_in_flight < 0 || s.max_in_flight > 64)
      problem("max_in_flight", "must be between 0 and 64");
    if (s.timeout < 1s || s.timeout > 120s) problem("timeout", "must be between 1s and 2m");
    if (s.retry_initial < 1s || s.retry_initial > 1h)
      problem("retry_initial", "must be between 1s and 1h");
    if (s.retry_max_interval < s.retry_initial || s.retry_max_interval > 24h)
      problem("retry_max_interval", "must be between retry_initial and 24h");
    if (s.retry_for < 1min || s.retry_for > std::chrono::hours(24 * 7))
      problem("retry_for", "must be between 1m and 7d");
    if (s.rate_limit && (s.rate_limit->count < 1 || s.rate_limit->window < 1s))
      problem("rate_limit", "at least 1 message in a window of at least 1s");
    if (s.window < 1 || s.window > 10000) problem("window", "must be between 1 and 10000");
  }
  return out;
}

}  // namespace pw::notify
