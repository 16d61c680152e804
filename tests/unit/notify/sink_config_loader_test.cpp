// [[notify.sink]] through the configuration loader: values, secrets from the
// environment or a file (never shown), and errors at file:line:column.
#include "config/config_loader.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>

using namespace pw;

namespace {

std::string base(const std::string& extra) {
  return R"([daemon]
state_dir = "state"
control_socket = "state/pw.sock"
alert_log = "state/alerts.jsonl"

[carriers.kuaidi100]
customer = "C"
key = "K"

[remedies]
messages = ")" +
         std::string(PW_CONF_DIR) + R"(/messages.toml"
)" + extra;
}

struct SinkFiles {
  test::TempDir dir;
  Result<Config> load(const std::string& text) { return loadConfig(dir.write("pw.toml", text)); }
  std::string error(const std::string& text) {
    auto r = load(text);
    return r ? "" : r.error().message;
  }
  std::string file() const { return (dir.path() / "pw.toml").string(); }
};

}  // namespace

TEST(NotifySinkConfig, SinksAreReadWithSecretsResolvedAndMasked) {
  SinkFiles f;
  ::setenv("PW_TEST_HOOK_SECRET", "webhook-secret-0123456789", 1);
  f.dir.write("ding.secret", "SECabcdef0123456789\n");
  auto c = f.load(base(R"(
[[notify.sink]]
name = "crm"
type = "webhook"
url = "https://crm.example.com/hooks/parcelwatch"
secret = "env:PW_TEST_HOOK_SECRET"
events = ["task_raised", "exception_resolved"]
max_in_flight = 8
retry_for = "2h"

[[notify.sink]]
name = "aftersales"
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
secret = "file:ding.secret"
kinds = ["false_signed", "refused"]
)"))
               .value();
  ASSERT_EQ(c.notify_sinks.size(), 2u);
  const auto& hook = c.notify_sinks[0];
  EXPECT_EQ(hook.name, "crm");
  EXPECT_EQ(hook.secret, "webhook-secret-0123456789");
  EXPECT_EQ(hook.events.size(), 2u);
  EXPECT_EQ(hook.max_in_flight, 8);
  EXPECT_EQ(hook.retry_for, std::chrono::hours(2));
  EXPECT_EQ(c.notify_sinks[1].type, notify::SinkType::dingtalk);
  EXPECT_EQ(c.notify_sinks[1].secret, "SECabcdef0123456789");
  EXPECT_EQ(c.notify_sinks[1].kinds.size(), 2u);
  const auto& shown = c.settings.at("notify.sink");
  EXPECT_EQ(shown.find("webhook-secret"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("SECabcdef"), std::string::npos) << shown;
  EXPECT_NE(shown.find("env:PW_TEST_HOOK_SECRET"), std::string::npos) << shown;
}

TEST(NotifySinkConfig, ErrorsNameFileLineColumnSinkAndKey) {
  SinkFiles f;
  EXPECT_EQ(f.error(base("\n[[notify.sink]]\nname = \"a\"\ntype = \"slack\"\n")),
            f.file() + ":15:8: notify.sink[0].type: must be webhook, dingtalk, wecom or feishu");
  EXPECT_EQ(f.error(base("\n[[notify.sink]]\nname = \"a\"\ncolour = \"red\"\n")),
            f.file() + ":15:10: notify.sink[0].colour: unknown key");
  std::string wecom = base(
      "\n[[notify.sink]]\nname = \"w\"\ntype = \"wecom\"\n"
      "url = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\"\nsecret = \"x\"\n");
  auto e = f.error(wecom);
  EXPECT_EQ(e.rfind(f.file() + ":17:10: notify.sink[0].secret: ", 0), 0u) << e;
  EXPECT_EQ(f.error(base("\n[notify]\ncolour = 1\n")),
            f.file() + ":14:10: unknown key 'notify.colour'");
}

TEST(NotifySinkConfig, AChangeOfSinksNeedsARestart) {
  SinkFiles f;
  auto a = f.load(base("")).value();
  auto b = f.load(base(R"(
[[notify.sink]]
name = "w"
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
)"))
               .value();
  auto changed = restartOnlyChanges(a, b);
  EXPECT_NE(std::find(changed.begin(), changed.end(), "notify.sink"), changed.end());
  // Only the robot's key changed: `config` shows the same masked text, a reload still sees it.
  auto c = f.load(base(R"(
[[notify.sink]]
name = "w"
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=other"
)"))
               .value();
  EXPECT_EQ(b.settings.at("notify.sink"), c.settings.at("notify.sink"));
  EXPECT_EQ(b.settings.at("notify.sink").find("key=k"), std::string::npos);
  changed = restartOnlyChanges(b, c);
  EXPECT_NE(std::find(changed.begin(), changed.end(), "notify.sink"), changed.end());
  EXPECT_TRUE(restartOnlyChanges(b, b).empty());
}
