// outbox-read: its arguments are checked before the store is read, pages come in seq order, and
// a caller asking from a pruned seq (or one the outbox never reached) gets an error, not a gap.
#include "control/outbox_read_command.h"
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace pw;
using namespace pw::control;
using namespace std::chrono;
namespace json = boost::json;
using test::at;

namespace {

Issue stallIssue() {
  Issue i;
  i.finding.kind = ExceptionKind::stalled;
  i.finding.since = at("2024-05-01T00:00:00Z");
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "stalled for 50h";
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

struct OutboxRead : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = SqliteStore::open(dir / "pw.db").value();
  std::int64_t id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  CommandRegistry reg;
  OutboxRead() { addOutboxReadCommand(reg, *store); }

  Answer call(const std::string& args) {
    return reg.dispatch({"outbox-read", json::parse(args).as_object()});
  }
  // Raised (exception_raised, task_raised) with an issue, resolved (exception_resolved,
  // task_closed) without.
  void commit(bool stalled, Timestamp now) {
    ASSERT_TRUE(store->commitPoll(
        id, {}, "0", now, [stalled](const Parcel&, const Timeline&, const ClaimFacts&) {
          return Assessment{ParcelStage::in_transit,
                            stalled ? std::vector<Issue>{stallIssue()} : std::vector<Issue>{}};
        }));
  }
  static std::vector<std::int64_t> seqs(const Answer& a) {
    std::vector<std::int64_t> out;
    for (const auto& e : a.arguments.at("events").as_array()) out.push_back(e.at("seq").as_int64());
    return out;
  }
};

}  // namespace

TEST_F(OutboxRead, BadArgumentsAreErrorsThatNameTheArgument) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"after":-1})", "\"after\" must not be negative"},
      {R"({"after":"abc"})", "\"after\" must be an integer"},
      {R"({"after":1.5})", "\"after\" must be an integer"},
      {R"({"after":null})", "\"after\" must be an integer"},
      {R"({"after":0,"limit":0})", "\"limit\" must be at least 1"},
      {R"({"after":0,"limit":-5})", "\"limit\" must not be negative"},
      {R"({"after":0,"limit":1001})", "\"limit\" must be at most 1000"},
      {R"({"after":0,"limit":18446744073709551615})", "\"limit\" must be at most 1000"},
      {R"({"after":0,"limit":"10"})", "\"limit\" must be an integer"},
      {R"({"from":0})", "unknown argument 'from'"},
  };
  for (const auto& [args, message] : cases) {
    auto a = call(args);
    EXPECT_EQ(a.result, kError) << args;
    EXPECT_NE(a.text.find(message), std::string::npos) << args << " -> " << a.text;
  }
}

TEST_F(OutboxRead, WithoutAfterOnlyTheHead) {
  auto empty = call("{}");
  ASSERT_EQ(empty.result, kSuccess) << empty.text;
  EXPECT_EQ(empty.arguments.at("head").as_int64(), 0);
  commit(true, at("2024-05-04T00:00:00Z"));
  auto a = call("{}");
  ASSERT_EQ(a.result, kSuccess) << a.text;
  EXPECT_EQ(a.arguments.at("head").as_int64(), 2);
  EXPECT_TRUE(a.arguments.at("events").as_array().empty());
}

TEST_F(OutboxRead, PagesInSeqOrderWithTheAlertLogLines) {
  commit(true, at("2024-05-04T00:00:00Z"));
  commit(false, at("2024-05-05T00:00:00Z"));
  auto all = call(R"({"after":0})");
  ASSERT_EQ(all.result, kSuccess) << all.text;
  EXPECT_EQ(seqs(all), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(all.arguments.at("head").as_int64(), 4);
  EXPECT_EQ(all.arguments.at("oldest").as_int64(), 1);
  std::vector<std::string> names;
  for (const auto& e : all.arguments.at("events").as_array())
    names.emplace_back(e.at("line").at("event").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"exception_raised", "task_raised",
                                             "exception_resolved", "task_closed"}));
  EXPECT_EQ(seqs(call(R"({"after":1,"limit":2})")), (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(seqs(call(R"({"after":4})")).empty());  // caught up: nothing, no error
}

TEST_F(OutboxRead, ASeqPastTheHeadIsAnError) {
  commit(true, at("2024-05-04T00:00:00Z"));
  auto a = call(R"({"after":3})");
  EXPECT_EQ(a.result, kError);
  EXPECT_NE(a.text.find("past the outbox's last event (2)"), std::string::npos) << a.text;
  EXPECT_EQ(call(R"({"after":9223372036854775807})").result, kError);
}

TEST_F(OutboxRead, AskingFromAPrunedSeqIsAnErrorNotAGap) {
  commit(true, at("2024-05-04T00:00:00Z"));                                   // 1, 2
  ASSERT_EQ(store->pruneOutbox(100, at("2024-05-05T00:00:00Z")).value(), 2);  // no sink
  commit(false, at("2024-05-06T00:00:00Z"));                                  // 3, 4
  auto a = call(R"({"after":1})");
  EXPECT_EQ(a.result, kError);
  EXPECT_NE(a.text.find("events before 3 were pruned (store.outbox_retention)"), std::string::npos)
      << a.text;
  // Whoever has seen 2 missed nothing; 0 asks for whatever is kept.
  EXPECT_EQ(seqs(call(R"({"after":2})")), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(seqs(call(R"({"after":0})")), (std::vector<std::int64_t>{3, 4}));
  // Pruned to empty: the head stays, and an old seq is still refused.
  ASSERT_EQ(store->pruneOutbox(100, at("2024-05-07T00:00:00Z")).value(), 2);
  auto empty = call(R"({"after":0})");
  ASSERT_EQ(empty.result, kSuccess);
  EXPECT_EQ(empty.arguments.at("head").as_int64(), 4);
  EXPECT_EQ(empty.arguments.at("oldest").as_int64(), 5);
  EXPECT_EQ(call(R"({"after":3})").result, kError);
  EXPECT_EQ(call(R"({"after":4})").result, kSuccess);
}
