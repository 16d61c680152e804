#pragma once
// One `[[notify.sink]]` table as a plain value. The loader (lib/config) reads
// the TOML into it, resolving `secret = "env:NAME" | "file:PATH"` as it does
// for the carriers' secrets, then calls validateSinkConfigs(); every problem
// names the sink's index and the key, so the loader can point at file:line.
#include "model/exception_kind.h"
#include "notify/alert_event.h"
#include "notify/notify_time.h"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pw::notify {

enum class SinkType { webhook, dingtalk, wecom, feishu };
std::string_view toString(SinkType type);
std::optional<SinkType> sinkTypeFromString(std::string_view text);

/// At most `count` messages in any `window`.
struct RateLimit {
  int count = 0;
  Millis window{0};
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};
/// "20/1m", "5/1s", "100/60s": a count, '/', a duration.
Result<RateLimit> parseRateLimit(std::string_view text);
std::string formatRateLimit(RateLimit limit);

/// task_raised, task_updated, task_closed: what a sink gets when `events` is not set.
std::set<AlertEventName> defaultSinkEvents();

struct NotifySinkConfig {
  std::string name;
  SinkType type = SinkType::webhook;
  std::string url;
  std::string
      secret;  // resolved; webhook: required, dingtalk/feishu: 加签 secret if on, wecom: none
  std::set<AlertEventName> events = defaultSinkEvents();
  std::set<ExceptionKind> kinds;  // empty: every kind
  int max_in_flight = 0;          // 0: the platform's default (webhook 4, robots 1)
  Millis timeout{std::chrono::seconds(10)};
  Millis retry_initial{std::chrono::seconds(10)};
  Millis retry_max_interval{std::chrono::hours(1)};
  Millis retry_for{std::chrono::hours(24)};  // then the event is parked
  /// Adds to the platform's own limits (it can only make them stricter).
  std::optional<RateLimit> rate_limit;
  /// How long to hold the sink after the platform says "rate limited";
  /// unset: the platform's (DingTalk's 10-minute throttle). Tests shorten it.
  std::optional<Millis> throttle_pause;
  /// Undelivered events a sink keeps in memory; more wait in the outbox.
  std::size_t window = 256;
};

struct SinkConfigProblem {
  std::size_t index = 0;  // in the [[notify.sink]] array
  std::string key;        // "url", "secret", ...; "name" also for duplicates
  std::string message;
  /// "notify.sink[1].url: must be https:// (http:// only to loopback)"
  std::string toString() const;
};

/// Every problem in every sink, in order; empty when all are valid.
std::vector<SinkConfigProblem> validateSinkConfigs(const std::vector<NotifySinkConfig>& sinks);

}  // namespace pw::notify
