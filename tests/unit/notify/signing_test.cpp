// Signing against vectors computed outside our code: integrations.md's own
// (computed from the published formulas) and ones made for this test with
//   printf '<material>' | openssl dgst -sha256 -hmac '<key>' [-binary | base64]
// and Python's urllib.parse.quote_plus for the URL form.
#include "notify/crypto.h"
#include "notify/robot_signature.h"
#include "notify/webhook_signature.h"

#include <gtest/gtest.h>

using namespace pw::notify;

TEST(NotifySigning, WebhookSignatureMatchesOpenssl) {
  // printf '1700000000.{"event":"test"}' | openssl dgst -sha256 -hmac 'whsec_test'
  EXPECT_EQ(webhookSignature("whsec_test", 1700000000, R"({"event":"test"})"),
            "t=1700000000,v1=21d2d3606ebbdbf9307ee15e83085df2b83c83dd87cc2e6d2ea6b1cb61afdc3c");
  // printf '1700000000.{"event_id":"7"}' | openssl dgst -sha256 -hmac 'a-webhook-secret-0001'
  EXPECT_EQ(webhookSignature("a-webhook-secret-0001", 1700000000, R"({"event_id":"7"})"),
            "t=1700000000,v1=59e61840c4a137af42792cdcf69680dca74d399ab87dd7440ea9b65061507174");
}

TEST(NotifySigning, VerifierAcceptsOursAndRefusesTampering) {
  std::string body = R"({"event_id":"7"})";
  std::string header = webhookSignature("a-webhook-secret-0001", 1700000000, body);
  EXPECT_TRUE(verifyWebhookSignature(header, "a-webhook-secret-0001", body, 1700000100));

  auto wrongBody = verifyWebhookSignature(header, "a-webhook-secret-0001", body + " ", 1700000100);
  ASSERT_FALSE(wrongBody);
  EXPECT_EQ(wrongBody.error().message, "signature mismatch");
  EXPECT_FALSE(verifyWebhookSignature(header, "another-secret-000001", body, 1700000100));

  auto stale = verifyWebhookSignature(header, "a-webhook-secret-0001", body, 1700000301);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().message,
            "signature timestamp 1700000000 is 301s from now (tolerance 300s)");
  // The time is signed: moving t breaks the signature.
  std::string moved = header;
  moved.replace(2, 10, "1700000100");
  EXPECT_EQ(
      verifyWebhookSignature(moved, "a-webhook-secret-0001", body, 1700000100).error().message,
      "signature mismatch");
}

TEST(NotifySigning, VerifierTakesAnyMatchingV1AndNamesMalformedHeaders) {
  std::string body = "{}";
  std::string good = webhookSignature("rotated-secret-000002", 1700000000, body);
  std::string both = "t=1700000000, v1=" + std::string(64, '0') + "," + good.substr(13) + ",v2=x";
  EXPECT_TRUE(verifyWebhookSignature(both, "rotated-secret-000002", body, 1700000000));
  EXPECT_EQ(verifyWebhookSignature("v1=abc", "s", body, 0).error().message,
            "signature header: no t=");
  EXPECT_EQ(verifyWebhookSignature("t=1", "s", body, 1).error().message,
            "signature header: no v1=");
  EXPECT_EQ(verifyWebhookSignature("t=x1,v1=ab", "s", body, 1).error().message,
            "signature header: t is not a number");
  EXPECT_EQ(verifyWebhookSignature("garbage", "s", body, 1).error().message,
            "signature header: part without '='");
}

TEST(NotifySigning, DingtalkSignMatchesIntegrationsVector) {
  // integrations.md §1: timestamp 1700000000000, secret SECtest.
  EXPECT_EQ(base64(hmacSha256("SECtest", "1700000000000\nSECtest")),
            "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=");
  EXPECT_EQ(dingtalkSign("SECtest", 1700000000000),
            "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D");
}

TEST(NotifySigning, DingtalkSignEncodesPlusAndSlashLikeQuotePlus) {
  // printf '1700000000001\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64
  //   -> r4CWp/Dz+Ng0sbTjH1vB0Fr+uQ2fn831mssaN6/C05I=
  EXPECT_EQ(dingtalkSign("SECtest", 1700000000001),
            "r4CWp%2FDz%2BNg0sbTjH1vB0Fr%2BuQ2fn831mssaN6%2FC05I%3D");
}

TEST(NotifySigning, DingtalkSignedUrlAppendsTimestampAndSign) {
  EXPECT_EQ(dingtalkSignedUrl("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECtest",
                              1700000000000),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000"
            "&sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D");
}

TEST(NotifySigning, FeishuSignKeysWithTheTextAndSignsNothing) {
  // integrations.md §3: timestamp 1700000000, secret test.
  EXPECT_EQ(feishuSign("test", 1700000000), "eSJQnOl8XqPTMPHWz9e5IzeHS/tqoc68g2967ekIPmg=");
  // printf '' | openssl dgst -sha256 -hmac "$(printf '1700000001\nfeishu-secret')" -binary | base64
  EXPECT_EQ(feishuSign("feishu-secret", 1700000001),
            "9P2h73IuUdeYVsk+b7OtfhIuBlSfEx1cePgYBTCgTpY=");
}

TEST(NotifySigning, Helpers) {
  EXPECT_EQ(hexLower(std::string("\x00\x7f\xff", 3)), "007fff");
  EXPECT_EQ(base64("ab"), "YWI=");
  EXPECT_TRUE(constantTimeEqual("abc", "abc"));
  EXPECT_FALSE(constantTimeEqual("abc", "abd"));
  EXPECT_FALSE(constantTimeEqual("abc", "ab"));
  EXPECT_EQ(urlEncode("a b+/=~-_."), "a%20b%2B%2F%3D~-_.");
}
