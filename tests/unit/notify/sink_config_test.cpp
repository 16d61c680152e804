#include "notify/sink_config.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace pw::notify;
using namespace std::chrono_literals;

namespace {

NotifySinkConfig webhook() {
  NotifySinkConfig c;
  c.name = "crm";
  c.type = SinkType::webhook;
  c.url = "https://crm.example.com/hooks/parcelwatch";
  c.secret = "0123456789abcdef0123";
  return c;
}

std::vector<std::string> problems(const std::vector<NotifySinkConfig>& sinks) {
  std::vector<std::string> out;
  for (const auto& p : validateSinkConfigs(sinks)) out.push_back(p.toString());
  return out;
}

}  // namespace

TEST(NotifySinkConfig, ValidSinksOfEveryType) {
  auto ding = webhook();
  ding.name = "ops-dingtalk";
  ding.type = SinkType::dingtalk;
  ding.url = "https://oapi.dingtalk.com/robot/send?access_token=abc";
  ding.secret = "SECabc";
  auto wecom = webhook();
  wecom.name = "ops_wecom";
  wecom.type = SinkType::wecom;
  wecom.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  wecom.secret.clear();
  auto feishu = webhook();
  feishu.name = "feishu";
  feishu.type = SinkType::feishu;
  feishu.url = "https://open.feishu.cn/open-apis/bot/v2/hook/uuid";
  feishu.secret.clear();
  auto local = webhook();
  local.name = "local";
  local.url = "http://127.0.0.1:8080/hook";
  EXPECT_EQ(problems({webhook(), ding, wecom, feishu, local}), std::vector<std::string>{});
}

TEST(NotifySinkConfig, ProblemsNameTheSinkAndTheKey) {
  auto a = webhook();
  a.url = "http://crm.example.com/hook";
  a.secret = "short";
  auto b = webhook();  // same name as a
  b.events.clear();
  b.retry_for = 30s;
  auto c = webhook();
  c.name = "Bad Name";
  c.type = SinkType::dingtalk;
  c.url = "https://oapi.dingtalk.com/robot/send?access_token=t&sign=x";
  c.secret = "abc";
  auto d = webhook();
  d.name = "wecom";
  d.type = SinkType::wecom;
  d.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send";
  d.max_in_flight = 65;
  EXPECT_EQ(
      problems({a, b, c, d}),
      (std::vector<std::string>{
          "notify.sink[0].url: must be https:// (http:// only to loopback): secrets and tokens "
          "travel in it",
          "notify.sink[0].secret: required, at least 16 characters: it signs every call",
          "notify.sink[1].name: \"crm\" is used by an earlier sink",
          "notify.sink[1].events: must name at least one event",
          "notify.sink[1].retry_for: must be between 1m and 7d",
          "notify.sink[2].name: 1 to 32 characters from a-z, 0-9, '-', '_' (it names the sink in "
          "commands)",
          "notify.sink[2].url: leave timestamp and sign out: they are added per message from "
          "`secret`",
          "notify.sink[2].secret: a DingTalk 加签 secret starts with SEC (leave it empty for "
          "keyword or IP security)",
          "notify.sink[3].url: a WeCom robot URL carries ?key=",
          "notify.sink[3].secret: WeCom robots have no signing: leave it empty (the key is in url)",
          "notify.sink[3].max_in_flight: must be between 0 and 64",
      }));
}

TEST(NotifySinkConfig, RateLimitText) {
  auto r = parseRateLimit("20/1m");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (RateLimit{20, 60s}));
  EXPECT_EQ(formatRateLimit(*r), "20/1m");
  EXPECT_EQ(parseRateLimit("20").error().message, "expected COUNT/DURATION, e.g. \"20/1m\"");
  EXPECT_EQ(parseRateLimit("0/1m").error().message, "count must be a whole number of at least 1");
  EXPECT_FALSE(parseRateLimit("5/soon"));
}

TEST(NotifySinkConfig, TypeNames) {
  for (auto t : {SinkType::webhook, SinkType::dingtalk, SinkType::wecom, SinkType::feishu})
    EXPECT_EQ(sinkTypeFromString(toString(t)), t);
  EXPECT_EQ(sinkTypeFromString("slack"), std::nullopt);
}
