#include "control/service_commands.h"
#include "common/time_format.h"

#include "support/fixtures.h"
#include "support/printers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace pw;
using namespace pw::control;
namespace json = boost::json;

namespace {

// Only the seam the handlers use; the real service is covered by the integration tests.
class MockService : public ServiceApi {
 public:
  Timestamp now() const override { return test::at("2024-05-04T00:00:00Z"); }
  MOCK_METHOD(Result<StatusReport>, status, (), (override));
  MOCK_METHOD(std::vector<TrackResult>, track, (const std::vector<Parcel>&), (override));
  MOCK_METHOD(Result<RerunReport>, rerun, (const RerunSelection&), (override));
  MOCK_METHOD(Result<ReassessReport>, reassess, (const RerunSelection&), (override));
  MOCK_METHOD(Result<JobProgress>, check, (), (override));
  MOCK_METHOD(Result<std::vector<NodeInfo>>, nodes, (), (override));
  MOCK_METHOD(Result<std::vector<ExceptionRecord>>, exceptions, (const ExceptionFilter&),
              (override));
  MOCK_METHOD(Result<std::vector<NotificationTask>>, tasks, (const TaskFilter&), (override));
  MOCK_METHOD(Result<std::size_t>, claim, (const std::string&, const std::string&), (override));
  MOCK_METHOD(Result<ParcelDetails>, parcel, (const std::string&), (override));
  MOCK_METHOD(Result<NotificationTask>, setTaskState, (std::int64_t, TaskState, const std::string&),
              (override));
  MOCK_METHOD(Result<void>, untrack, (const std::string&), (override));
};

const char* kParcel = R"({"tracking_number":"YT1234567890123","carrier":"yuantong",
  "destination":{"province":"浙江省","city":"杭州市"},"shipped_at":"2024-05-01T10:00:00+08:00"})";

struct Commands : ::testing::Test {
  MockService service;
  CommandRegistry reg;
  Commands() { addServiceCommands(reg, service, "test"); }
  Answer call(const std::string& cmd, const std::string& args) {
    return reg.dispatch({cmd, json::parse(args).as_object()});
  }
};

}  // namespace

TEST_F(Commands, TrackRejectsBadItemsOnly) {
  EXPECT_CALL(service, track(::testing::SizeIs(1))).WillOnce([](const std::vector<Parcel>& ps) {
    return std::vector<TrackResult>{{ps[0].tracking_number, true, true, ""}};
  });
  auto a =
      call("track", std::string(R"({"parcels":[)") + kParcel + R"(,{"tracking_number":"x"}, 5]})");
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text, "registered 1, already tracked 0, rejected 2");
  auto& results = a.arguments.at("results").as_array();
  EXPECT_EQ(results[0].at("status").as_string(), "registered");
  EXPECT_EQ(results[1].at("status").as_string(), "rejected");
  EXPECT_EQ(results[1].at("error").as_string(),
            "field 'tracking_number': must be 6 to 32 letters, digits or '-'");
  EXPECT_EQ(results[2].at("error").as_string(), "a parcel must be a JSON object");
}

TEST_F(Commands, TrackGuessesAMissingCarrierAndWarnsOnAnOddNumber) {
  EXPECT_CALL(service, track(::testing::SizeIs(2))).WillOnce([](const std::vector<Parcel>& ps) {
    EXPECT_EQ(ps[0].carrier, "jtexpress");
    return std::vector<TrackResult>{{ps[0].tracking_number, true, true, ""},
                                    {ps[1].tracking_number, true, true, ""}};
  });
  auto a = call("track", R"({"parcels":[
    {"tracking_number":"JT0000000000004","destination":{"province":"四川省","city":"成都市"},"shipped_at":"2024-05-01T10:00:00+08:00"},
    {"tracking_number":"YT0000000000004","carrier":"zhongtong","destination":{"province":"四川省","city":"成都市"},"shipped_at":"2024-05-01T10:00:00+08:00"},
    {"tracking_number":"ABCDEFG","destination":{"province":"四川省","city":"成都市"},"shipped_at":"2024-05-01T10:00:00+08:00"}]})");
  auto& r = a.arguments.at("results").as_array();
  EXPECT_EQ(r[0].at("carrier_guessed").as_string(), "jtexpress");
  EXPECT_EQ(r[1].at("warning").as_string(),
            "number does not fit the carrier: zhongtong numbers are 12, 14 or 15 digits");
  EXPECT_EQ(r[2].at("error").as_string(),
            "field 'carrier': missing, and no known carrier's format fits the number");
}

TEST_F(Commands, TrackArgumentErrors) {
  EXPECT_EQ(call("track", "{}").text, "track needs \"parcels\": an array of parcel objects");
  EXPECT_EQ(call("track", R"({"parcels":[]})").text, "track: \"parcels\" is empty");
  EXPECT_EQ(call("track", R"({"parcel":{}})").text, "unknown argument 'parcel'");
}

TEST_F(Commands, RerunNeedsExactlyOneSelection) {
  const std::string usage =
      "rerun needs one of \"tracking_number\", \"tracking_numbers\": [...], \"kind\" (parcels "
      "with that open exception) or \"all\": true";
  EXPECT_EQ(call("rerun", "{}").text, usage);
  EXPECT_EQ(call("rerun", R"({"all":true,"tracking_number":"YT1"})").text, usage);
  EXPECT_EQ(call("rerun", R"({"all":"yes"})").text, "\"all\" must be true or false");
  EXPECT_EQ(call("rerun", R"({"kind":"lost"})").text, "unknown exception kind in \"kind\"");
  EXPECT_EQ(call("rerun", R"({"tracking_numbers":[]})").text,
            "\"tracking_numbers\" must be a non-empty array of strings");
  EXPECT_EQ(call("rerun", R"({"tracking_numbers":["A",1]})").text,
            "\"tracking_numbers\" must be a non-empty array of strings");
  EXPECT_CALL(service, rerun(::testing::_)).WillOnce([](const RerunSelection& s) {
    EXPECT_EQ(s.tracking_numbers, std::vector<std::string>{"YT1234567890123"});
    return Result<RerunReport>(RerunReport{.queued = 1});
  });
  auto a = call("rerun", R"({"tracking_number":"YT1234567890123"})");
  EXPECT_EQ(a.result, kSuccess);
  EXPECT_EQ(a.arguments.at("queued").as_uint64(), 1u);
  EXPECT_CALL(service, rerun(::testing::_)).WillOnce([](const RerunSelection& s) {
    EXPECT_EQ(s.kind, ExceptionKind::stalled);
    EXPECT_TRUE(s.tracking_numbers.empty());
    return Result<RerunReport>(RerunReport{.background = 3});
  });
  EXPECT_EQ(call("rerun", R"({"kind":"stalled"})").text,
            "rerun of 3 parcel(s) started in the background: each is queried as soon as the "
            "carrier's rules allow (progress in status)");
  // The carrier's rules defer a query: the answer says which rule and until when.
  EXPECT_CALL(service, rerun(::testing::_)).WillOnce([](const RerunSelection& s) {
    EXPECT_EQ(s.tracking_numbers.size(), 2u);
    RerunReport r{.queued = 1, .deferred = 1};
    r.deferred_until = parseRfc3339("2024-05-01T10:30:01Z").value();
    r.reasons["min_gap"] = 1;
    return Result<RerunReport>(r);
  });
  a = call("rerun", R"({"tracking_numbers":["A1","B2"]})");
  EXPECT_EQ(a.result, kSuccess);
  EXPECT_EQ(a.text,
            "queued 1 parcel(s) for polling and detection now; 1 deferred by the carrier's rules "
            "(min_gap 1) until 2024-05-01T10:30:01Z at the latest");
  EXPECT_EQ(a.arguments.at("deferred_until").as_string(), "2024-05-01T10:30:01Z");
  EXPECT_CALL(service, rerun(::testing::_))
      .WillOnce(::testing::Return(
          Result<RerunReport>(makeError(ErrorCode::not_found, "no parcel X is tracked"))));
  EXPECT_EQ(call("rerun", R"({"tracking_number":"X"})").text, "rerun: no parcel X is tracked");
}

TEST_F(Commands, ReassessNamedAtOnceAndTheRestInTheBackground) {
  EXPECT_EQ(call("reassess", "{}").text,
            "reassess needs one of \"tracking_number\", \"tracking_numbers\": [...], \"kind\" "
            "(parcels with that open exception) or \"all\": true");
  EXPECT_CALL(service, reassess(::testing::_)).WillOnce([](const RerunSelection& s) {
    EXPECT_EQ(s.tracking_numbers.size(), 1u);
    return Result<ReassessReport>(ReassessReport{.parcels = 1, .raised = 1, .resolved = 2});
  });
  EXPECT_EQ(call("reassess", R"({"tracking_number":"YT1"})").text,
            "reassessed 1 parcel(s) from their stored timelines: 1 exception(s) raised, 2 "
            "resolved");
  EXPECT_CALL(service, reassess(::testing::_)).WillOnce([](const RerunSelection& s) {
    EXPECT_TRUE(s.all);
    return Result<ReassessReport>(ReassessReport{.background = 1000});
  });
  auto a = call("reassess", R"({"all":true})");
  EXPECT_EQ(a.arguments.at("background").as_uint64(), 1000u);
  EXPECT_CALL(service, reassess(::testing::_))
      .WillOnce(::testing::Return(
          Result<ReassessReport>(makeError(ErrorCode::conflict, "a reassess is already running"))));
  EXPECT_EQ(call("reassess", R"({"all":true})").result, kConflict);
}

TEST_F(Commands, TasksByCarrierAndAge) {
  EXPECT_EQ(
      call("tasks", R"({"older_than":"2 days"})").text.rfind("\"older_than\": bad duration", 0),
      0u);
  EXPECT_EQ(call("tasks", R"({"carrier":5})").text, "\"carrier\" must be a string");
  EXPECT_CALL(service, tasks(::testing::_)).WillOnce([](const TaskFilter& f) {
    EXPECT_EQ(f.carrier, "yuantong");
    EXPECT_TRUE(f.created_before);
    EXPECT_FALSE(f.created_after);
    EXPECT_EQ(*f.created_before, test::at("2024-05-02T00:00:00Z")) << "48h before the daemon's now";
    return Result<std::vector<NotificationTask>>(std::vector<NotificationTask>{});
  });
  EXPECT_EQ(call("tasks", R"({"carrier":"yuantong","older_than":"48h"})").text, "0 task(s)");
}

TEST_F(Commands, ExportPagesTasksAndExceptions) {
  EXPECT_EQ(call("export", "{}").text, "export needs \"what\": \"tasks\" or \"exceptions\"");
  EXPECT_EQ(call("export", R"({"what":"parcels"})").text,
            "export needs \"what\": \"tasks\" or \"exceptions\"");
  EXPECT_EQ(call("export", R"({"what":"exceptions","state":"open"})").text,
            "unknown argument 'state'");
  EXPECT_CALL(service, tasks(::testing::_)).WillOnce([](const TaskFilter& f) {
    EXPECT_EQ(f.state, std::nullopt) << "every state unless asked";
    EXPECT_EQ(f.after_id, 10);
    EXPECT_EQ(f.limit, 2);
    std::vector<NotificationTask> ts(2);
    ts[0].id = 11;
    ts[1].id = 12;
    return Result<std::vector<NotificationTask>>(ts);
  });
  auto a = call("export", R"({"what":"tasks","after_id":10,"limit":2})");
  EXPECT_EQ(a.arguments.at("records").as_array().size(), 2u);
  EXPECT_EQ(a.arguments.at("next_after_id").as_int64(), 12);
  EXPECT_CALL(service, exceptions(::testing::_)).WillOnce([](const ExceptionFilter& f) {
    EXPECT_TRUE(f.open_only);
    ExceptionRecord r;
    r.exception.id = 4;
    r.tracking_number = "YT1";
    r.carrier = "yuantong";
    return Result<std::vector<ExceptionRecord>>(std::vector<ExceptionRecord>{r});
  });
  a = call("export", R"({"what":"exceptions","open":true})");
  EXPECT_EQ(a.arguments.at("records").at(0).at("tracking_number").as_string(), "YT1");
  EXPECT_EQ(a.arguments.at("records").at(0).at("open").as_bool(), true);
  EXPECT_FALSE(a.arguments.as_object().contains("next_after_id")) << "the last page";
}

TEST_F(Commands, StatsCountsPollsByCarrierAndOutcome) {
  StatusReport r;
  r.counters.polls[{"kuaidi100", "ok"}] = 5;
  r.counters.polls[{"kuaidi100", "rate_limited"}] = 2;
  r.counters.latency["kuaidi100"].observe(0.2);
  r.counts.tasks_by_state["open"] = 3;
  r.due_now = 1;
  r.commit_transactions = 2;
  r.results_committed = 7;
  EXPECT_CALL(service, status()).WillOnce(::testing::Return(Result<StatusReport>(r)));
  auto a = call("stats", "{}");
  EXPECT_EQ(a.text, "7 polls since start, 1 due now, 0 in flight");
  EXPECT_EQ(a.arguments.at("polls").at("kuaidi100").at("rate_limited").as_uint64(), 2u);
  EXPECT_EQ(a.arguments.at("tasks").at("open").as_int64(), 3);
  EXPECT_EQ(a.arguments.at("tasks").at("dismissed").as_int64(), 0) << "zeros are listed";
  EXPECT_EQ(a.arguments.at("open_exceptions").as_object().size(), 14u);
  EXPECT_EQ(a.arguments.at("queue").at("due").as_uint64(), 1u);
  EXPECT_EQ(a.arguments.at("commits").at("transactions").as_uint64(), 2u);
  EXPECT_EQ(a.arguments.at("commits").at("results").as_uint64(), 7u);
}

TEST_F(Commands, TasksFilters) {
  EXPECT_EQ(call("tasks", R"({"state":"closed"})").text,
            "unknown task state 'closed' (open, acked, done, dismissed, all)");
  EXPECT_EQ(call("tasks", R"({"kind":"lost"})").text, "unknown exception kind in \"kind\"");
  EXPECT_EQ(call("tasks", R"({"limit":0})").text, "\"limit\" must be an integer from 1 to 100000");
  EXPECT_CALL(service, tasks(::testing::_)).WillOnce([](const TaskFilter& f) {
    EXPECT_EQ(f.state, std::nullopt);
    EXPECT_EQ(f.kind, ExceptionKind::stalled);
    NotificationTask t;
    t.id = 7;
    t.tracking_number = "YT1";
    t.kind = ExceptionKind::stalled;
    return Result<std::vector<NotificationTask>>(std::vector<NotificationTask>{t});
  });
  auto a = call("tasks", R"({"state":"all","kind":"stalled"})");
  ASSERT_EQ(a.result, kSuccess);
  auto& t = a.arguments.at("tasks").as_array().at(0).as_object();
  for (auto key : {"id", "tracking_number", "kind", "remedy", "message", "created_at", "state"})
    EXPECT_TRUE(t.contains(key)) << key;
}
