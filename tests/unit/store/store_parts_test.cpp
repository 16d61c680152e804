#include "store/content_hash.h"
#include "store/event_cap.h"
#include "store/message_text.h"

#include <gtest/gtest.h>

using namespace pw;
using namespace pw::store;

TEST(ContentHash, IsFnv1a64AndNeverChanges) {
  // Stored on disk as event identities: a different value would duplicate every event.
  EXPECT_EQ(static_cast<std::uint64_t>(contentHash("")), 0xcbf29ce484222325ull);
  EXPECT_EQ(static_cast<std::uint64_t>(contentHash("a")), 0xaf63dc4c8601ec8cull);
  EXPECT_NE(contentHash("到达杭州"), contentHash("到达杭州 "));
}

TEST(EventCap, NothingToDropUnderTheCap) {
  std::vector<CapEvent> t(3, CapEvent{"x", EventKind::in_transit, false});
  EXPECT_TRUE(eventsOverCap(t, 3).empty());
}

TEST(EventCap, RepeatsGoFirstThenTheOldestAndTheProtectedStay) {
  std::vector<CapEvent> t = {
      {"揽收", EventKind::picked_up, false},     // 0 first of its kind
      {"到达", EventKind::arrived_hub, false},   // 1 first arrived_hub
      {"到达", EventKind::arrived_hub, false},   // 2 middle of a run
      {"到达", EventKind::arrived_hub, false},   // 3 middle of a run
      {"到达", EventKind::arrived_hub, false},   // 4 same as previous
      {"发出", EventKind::departed_hub, false},  // 5 only departed_hub
      {"派件", EventKind::in_transit, true},     // 6 evidence
      {"中转", EventKind::in_transit, false},    // 7
      {"中转2", EventKind::in_transit, false},   // 8
      {"到达", EventKind::arrived_hub, false},   // 9 last arrived_hub, newest
  };
  EXPECT_EQ(eventsOverCap(t, 8), (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(eventsOverCap(t, 7), (std::vector<std::size_t>{2, 3, 4}));
  // Then the oldest unprotected: 7 (6 is evidence, 8 is the last in_transit).
  EXPECT_EQ(eventsOverCap(t, 6), (std::vector<std::size_t>{2, 3, 4, 7}));
  // Never below what is protected.
  EXPECT_EQ(eventsOverCap(t, 1), (std::vector<std::size_t>{2, 3, 4, 7}));
}

TEST(MessageText, KeepsOnlyTheNamedFactsAndRendersTheSameText) {
  MessageSource src{"亲，{carrier_name} {tracking_number}，{elapsed_hours:>3} 小时",
                    "{carrier_name} {tracking_number}",
                    {{"tracking_number", "YT1"},
                     {"carrier_name", "圆通"},
                     {"elapsed_hours", "5"},
                     {"signer", "门卫"}},
                    {{"tracking_number", "YT1"},
                     {"carrier_name", "YTO"},
                     {"elapsed_hours", "5"},
                     {"signer", "门卫"}}};
  Message text{"亲，圆通 YT1，  5 小时", "YTO YT1"};
  auto enc = encodeMessage(src, text);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->facts, R"([["YT1","圆通","5"],["YT1","YTO"]])");
  auto back = renderMessage(parseTemplates(enc->templates).value(), enc->facts).value();
  EXPECT_EQ(back.zh_cn, text.zh_cn);
  EXPECT_EQ(back.en, text.en);
  text.en = "something else";  // a text the source does not render: the caller keeps the text
  EXPECT_FALSE(encodeMessage(src, text));
}

// The writer's encoder works out a template pair's shape once; every message still
// gets its own facts and its own check.
TEST(MessageText, TheEncoderGivesWhatEncodeMessageGivesForEveryMessageOfAPair) {
  MessageSource src{"{carrier_name} {tracking_number} {elapsed_hours:>3}h",
                    "{tracking_number}",
                    {{"tracking_number", "YT1"}, {"carrier_name", "圆通"}, {"elapsed_hours", "5"}},
                    {{"tracking_number", "YT1"}, {"carrier_name", "YTO"}}};
  MessageEncoder encoder;
  for (std::string n : {"YT1", "YT2", "YT3"}) {
    src.zh_args[0].second = src.en_args[0].second = n;
    Message text{"圆通 " + n + "   5h", n};
    auto enc = encoder.encode(src, text);
    ASSERT_TRUE(enc);
    EXPECT_EQ(enc->templates, encodeMessage(src, text)->templates);
    EXPECT_EQ(enc->facts, encodeMessage(src, text)->facts);
    text.zh_cn += "!";  // not what the source renders: the caller keeps the text
    EXPECT_FALSE(encoder.encode(src, text));
  }
  // Another pair with the same names is a shape of its own.
  MessageSource other = src;
  other.zh_template = "{elapsed_hours} {carrier_name}";
  Message text{"5 圆通", "YT3"};
  auto enc = encoder.encode(other, text);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->facts, R"([["圆通","5"],["YT3"]])");
  // A template fmt cannot render is kept as text, by the encoder as by encodeMessage.
  other.zh_template = "{carrier_name";
  EXPECT_FALSE(encoder.encode(other, text));
  EXPECT_FALSE(encodeMessage(other, text));
}
