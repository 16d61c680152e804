#include "carriers/text_classifier.h"

#include <gtest/gtest.h>

using namespace pw;

TEST(TextClassifier, CommonCarrierVocabulary) {
  struct Case {
    const char* text;
    EventKind kind;
  } cases[] = {
      {"【广州市】 广州白云区公司 已揽收", EventKind::picked_up},
      {"顺丰速运 已收取快件", EventKind::picked_up},
      {"快件已到达 杭州转运中心", EventKind::arrived_hub},
      {"快件已从 广州转运中心 发出，准备发往 杭州转运中心", EventKind::departed_hub},
      {"快件离开 苏州中转部 已发往 上海中转部", EventKind::departed_hub},
      {"浦东新区世纪公园网点 的派件员 正在派件", EventKind::out_for_delivery},
      {"快件已签收，签收人：本人签收", EventKind::signed_},
      {"您的快件已放入丰巢快递柜，取件码 123456", EventKind::stored_for_pickup},
      {"快件已暂存至菜鸟驿站，请凭取货码及时取件", EventKind::stored_for_pickup},
      {"签收人凭取货码签收", EventKind::signed_},
      {"派送不成功，电话无人接听", EventKind::delivery_failed},
      {"收件人拒收，快件将退回", EventKind::refused},
      {"快件已退回寄件人", EventKind::returned},
      {"快件正在退回中", EventKind::returning},
      {"快件在海关清关中", EventKind::customs},
      {"快件滞留在网点，疑难件", EventKind::problem},
      {"商家已下单，等待揽收", EventKind::info_received},
      {"待签收", EventKind::unknown},
      {"", EventKind::unknown},
  };
  for (const auto& c : cases) EXPECT_EQ(classifyText(c.text).kind, c.kind) << c.text;
}
