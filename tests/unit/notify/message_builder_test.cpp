// The platforms' message shapes (integrations.md), their size caps, and what
// a person reads in a card and in a digest.
#include "notify/message_builder.h"
#include "notify/card_text.h"
#include "notify/robot_signature.h"
#include "notify/webhook_signature.h"
#include "support/notify_test_util.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

using namespace pw;
using namespace pw::notify;
namespace json = boost::json;

namespace {

const TimePoint kNow = test::epochMs(1700000000000);

NotifySinkConfig sink(SinkType type, std::string url, std::string secret = "") {
  NotifySinkConfig c;
  c.name = "ops";
  c.type = type;
  c.url = std::move(url);
  c.secret = std::move(secret);
  return c;
}

std::vector<AlertEvent> burst(int n) {
  std::vector<AlertEvent> out;
  for (int i = 0; i < n; ++i) {
    auto e = test::sampleEvent("YT74000000" + std::to_string(10000 + i), i);
    e.seq = i + 1;
    out.push_back(e);
  }
  return out;
}

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST(NotifyMessage, WebhookIsTheEventJsonSignedWithItsId) {
  auto c = sink(SinkType::webhook, "https://hooks.example.com/pw", "a-webhook-secret-0001");
  auto events = burst(3);
  auto m = buildMessage(c, events, kNow);
  EXPECT_EQ(m.events, 1u);
  EXPECT_FALSE(m.digest);
  EXPECT_EQ(m.request.url, c.url);
  EXPECT_EQ(m.request.content_type, "application/json");
  EXPECT_EQ(header(m.request, "X-Parcelwatch-Event-Id"), "1");
  EXPECT_EQ(header(m.request, "X-Parcelwatch-Event"), "task_raised");
  EXPECT_TRUE(verifyWebhookSignature(header(m.request, "X-Parcelwatch-Signature"), c.secret,
                                     m.request.body, 1700000000));
  EXPECT_EQ(alertEventFromJson(m.request.body).value().tracking_number, "YT7400000010000");
  ASSERT_TRUE(m.request.timeout);
  EXPECT_EQ(*m.request.timeout, std::chrono::seconds(10));
}

TEST(NotifyMessage, DingtalkCardIsMarkdownWithEveryFieldAndASignedUrl) {
  auto c =
      sink(SinkType::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECtest");
  auto events = burst(1);
  auto m = buildMessage(c, events, kNow);
  EXPECT_EQ(m.request.url,
            "https://oapi.dingtalk.com/robot/send?access_token=abc"
            "&timestamp=1700000000000&sign=" +
                dingtalkSign("SECtest", 1700000000000));
  auto o = parse(m.request.body);
  EXPECT_EQ(o.at("msgtype"), "markdown");
  EXPECT_EQ(o.at("markdown").at("title"), "【新任务】物流停滞 YT7400000010000");
  EXPECT_EQ(
      std::string(o.at("markdown").at("text").as_string()),
      "#### 【新任务】物流停滞 YT7400000010000\n\n"
      "**运单**：YT7400000010000（圆通速递）\n\n"
      "**异常**：物流停滞\n\n"
      "**证据**：evt-0 in transit, no new scan for 2d14h (threshold 2d)\n\n"
      "**建议处理**：安抚并等待：运输途中暂无更新，先安抚买家\n\n"
      "**建议话术**：亲您好，您的包裹运输途中暂无更新，我们已联系快递公司核实，请您耐心等待。\n\n"
      "**任务编号**：200\n\n"
      "— parcelwatch 物流通知");
}

TEST(NotifyMessage, DingtalkCardIsHeldTo4000Bytes) {
  auto c = sink(SinkType::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc");
  auto events = burst(1);
  events[0].message.zh_cn.clear();
  for (int i = 0; i < 500; ++i) events[0].message.zh_cn += "请耐心等待";
  auto text = std::string(
      parse(buildMessage(c, events, kNow).request.body).at("markdown").at("text").as_string());
  EXPECT_LE(text.size(), 4000u);
  EXPECT_GT(text.size(), 3900u);  // shortened to fit, not emptied
  EXPECT_NE(text.find("…\n\n**任务编号**：200"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - kFooter.size()), kFooter);
}

TEST(NotifyMessage, DingtalkWithoutSecretKeepsTheUrl) {
  auto c = sink(SinkType::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc");
  auto events = burst(1);
  EXPECT_EQ(buildMessage(c, events, kNow).request.url, c.url);
}

TEST(NotifyMessage, DingtalkDigestFoldsUpToTwentyWithinItsCap) {
  auto c = sink(SinkType::dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc");
  auto events = burst(25);
  auto m = buildMessage(c, events, kNow);
  EXPECT_TRUE(m.digest);
  EXPECT_EQ(m.events, 20u);
  auto o = parse(m.request.body);
  EXPECT_EQ(o.at("markdown").at("title"), "parcelwatch 物流通知汇总（20 条）");
  std::string text(o.at("markdown").at("text").as_string());
  EXPECT_LE(text.size(), 4000u);
  EXPECT_NE(text.find("1. 【新任务】物流停滞 YT7400000010000（圆通速递）：evt-0 "),
            std::string::npos);
  EXPECT_NE(text.find("20. 【新任务】物流停滞 YT7400000010019"), std::string::npos);
  EXPECT_EQ(text.find("YT7400000010020"), std::string::npos);
  EXPECT_NE(text.find("→ 安抚并等待"), std::string::npos);
}

TEST(NotifyMessage, WecomHoldsMarkdownTo2048BytesForCardsAndDigests) {
  auto c = sink(SinkType::wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k");
  auto big = burst(1);
  big[0].message.zh_cn = std::string(3000, 'x') + "尾";
  big[0].detail = "证据" + std::string(1500, 'y');
  auto m = buildMessage(c, big, kNow);
  auto o = parse(m.request.body);
  EXPECT_EQ(o.at("msgtype"), "markdown");
  std::string content(o.at("markdown").at("content").as_string());
  EXPECT_LE(content.size(), 2048u);
  EXPECT_EQ(content.rfind("### 【新任务】物流停滞 YT7400000010000\n", 0), 0u);
  EXPECT_NE(content.find("…"), std::string::npos);
  EXPECT_NE(content.find("**任务编号**：200"), std::string::npos);  // short fields survive
  EXPECT_EQ(m.request.url, c.url);                                  // no signing

  auto events = burst(25);
  auto d = buildMessage(c, events, kNow);
  EXPECT_TRUE(d.digest);
  EXPECT_GE(d.events, 2u);
  EXPECT_LT(d.events, 25u);
  EXPECT_LE(std::string(parse(d.request.body).at("markdown").at("content").as_string()).size(),
            2048u);
}

TEST(NotifyMessage, FeishuCardCarriesSignInTheBodyAndStaysUnder20KB) {
  auto c = sink(SinkType::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x", "test");
  auto events = burst(1);
  events[0].message.zh_cn = std::string(40000, '"');  // JSON quoting doubles it
  auto m = buildMessage(c, events, kNow);
  EXPECT_LE(m.request.body.size(), 20000u);
  auto o = parse(m.request.body);
  EXPECT_EQ(o.at("timestamp"), "1700000000");
  EXPECT_EQ(o.at("sign"), "eSJQnOl8XqPTMPHWz9e5IzeHS/tqoc68g2967ekIPmg=");
  EXPECT_EQ(o.at("msg_type"), "interactive");
  EXPECT_EQ(o.at("card").at("header").at("template"), "red");
  EXPECT_EQ(o.at("card").at("header").at("title").at("content"),
            "【新任务】物流停滞 YT7400000010000");
  EXPECT_EQ(o.at("card").at("elements").at(0).at("text").at("tag"), "lark_md");
  EXPECT_EQ(m.request.url, c.url);
}

TEST(NotifyMessage, FeishuDigestAndResolvedColour) {
  auto c = sink(SinkType::feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x");
  auto events = burst(40);
  auto d = buildMessage(c, events, kNow);
  EXPECT_TRUE(d.digest);
  EXPECT_EQ(d.events, 30u);
  EXPECT_FALSE(parse(d.request.body).contains("sign"));
  AlertEvent resolved = exceptionResolvedEvent("YT1", "yuantong", ExceptionKind::stalled, {});
  auto r = buildMessage(c, std::span<const AlertEvent>(&resolved, 1), kNow);
  EXPECT_EQ(parse(r.request.body).at("card").at("header").at("template"), "green");
  EXPECT_EQ(parse(r.request.body).at("card").at("header").at("title").at("content"),
            "【异常解除】物流停滞 YT1");
}

TEST(NotifyMessage, CardShowsTaskStateAndOutcomeForUpdates) {
  auto e = test::sampleEvent("YT1", 1);
  e.name = AlertEventName::task_updated;
  e.state = TaskState::done;
  e.outcome = "已补发\n新单号 SF1";
  Card card = eventCard(e);
  EXPECT_EQ(card.title, "【任务更新】物流停滞 YT1");
  EXPECT_EQ(card.fields.at(5), (std::pair<std::string, std::string>{"任务状态", "已完成"}));
  EXPECT_EQ(card.fields.at(6),
            (std::pair<std::string, std::string>{"处理结果", "已补发 新单号 SF1"}));
  EXPECT_EQ(digestLine(e),
            "【任务更新】物流停滞 YT1（圆通速递）：evt-1 in transit, no new scan for 2d14h "
            "(threshold 2d) → 安抚并等待 · 已完成");
}

TEST(NotifyMessage, Utf8TruncateNeverSplitsACharacter) {
  EXPECT_EQ(utf8Truncate("物流停滞", 12), "物流停滞");
  EXPECT_EQ(utf8Truncate("物流停滞", 8), "物…");  // 3 + 3 ("…"), the next 3 would not fit
  EXPECT_EQ(utf8Truncate("物流停滞", 2), "");
}
