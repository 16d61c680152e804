// The store's contract, checked against every backend (one suite, parameterized): SQLite always,
// PostgreSQL when built with it and a server is configured (see support/pg_test_schema.h; the
// PostgreSQL instances skip without one). Backend-specific checks (files, plans, leases, the
// outbox) stay in store_test.cpp and pg_store_test.cpp.
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"
#ifdef PW_HAVE_POSTGRES
#include "store/postgres/pg_store.h"
#include "support/pg_test_schema.h"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

using namespace pw;
using namespace std::chrono;
using test::at;

namespace {

TrackingEvent ev(const std::string& utc, EventKind kind, const std::string& text) {
  TrackingEvent e;
  e.time = at(utc);
  e.local_time = utc;
  e.kind = kind;
  e.description = text;
  return e;
}

Issue issueOf(ExceptionKind kind, Timestamp since, std::vector<TrackingEvent> evidence = {}) {
  Issue i;
  i.finding.kind = kind;
  i.finding.since = since;
  i.finding.threshold = hours(48);
  i.finding.elapsed = hours(50);
  i.finding.detail = "stalled";
  i.finding.evidence = std::move(evidence);
  i.suggestion = {Remedy::soothe_and_wait, "wait"};
  i.message = {"亲", "hi"};
  return i;
}

Issue stallIssue(Timestamp since) { return issueOf(ExceptionKind::stalled, since); }

CommitRequest request(std::int64_t parcelId, std::vector<TrackingEvent> events,
                      std::vector<Issue> issues, ParcelStage stage = ParcelStage::in_transit) {
  CommitRequest r;
  r.parcel_id = parcelId;
  r.events = std::move(events);
  r.carrier_state = "0";
  r.now = at("2024-05-04T00:00:00Z");
  r.assess = [issues, stage](const Parcel&, const Timeline&, const ClaimFacts&) {
    return Assessment{stage, issues};
  };
  return r;
}

struct StoreContract : ::testing::TestWithParam<std::string> {
  test::TempDir dir;
#ifdef PW_HAVE_POSTGRES
  std::optional<test::PgTestSchema> pg;
#endif
  std::unique_ptr<Store> store;
  std::int64_t id = 0;
  std::vector<TrackingEvent> history = {ev("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收"),
                                        ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, "到达")};

  void SetUp() override {
#ifdef PW_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      PW_REQUIRE_POSTGRES();
      pg.emplace();
    }
#endif
    reopen(StoreOptions());
    id = store->addParcel(test::sampleParcel(), at("2024-05-01T00:00:00Z")).value().id;
  }

  /// A new connection to the same data, with these options.
  void reopen(const StoreOptions& options) {
    store.reset();
#ifdef PW_HAVE_POSTGRES
    if (GetParam() == "postgres") {
      store = PostgresStore::open(pg->conninfo(), options).value();
      return;
    }
#endif
    store = SqliteStore::open(dir / "pw.db", options).value();
  }

  Result<PollOutcome> commit(const std::vector<TrackingEvent>& events, std::vector<Issue> issues,
                             Timestamp now = at("2024-05-04T00:00:00Z")) {
    return store->commitPoll(id, events, "0", now,
                             [&](const Parcel&, const Timeline&, const ClaimFacts&) {
                               return Assessment{ParcelStage::in_transit, issues};
                             });
  }
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values("sqlite"
#ifdef PW_HAVE_POSTGRES
                                           ,
                                           "postgres"
#endif
                                           ),
                         [](const auto& info) { return info.param; });

TEST_P(StoreContract, NamesItsBackend) { EXPECT_EQ(store->backend(), GetParam()); }

TEST_P(StoreContract, RegisteringTwiceIsIdempotent) {
  auto again = store->addParcel(test::sampleParcel(), at("2024-05-02T00:00:00Z")).value();
  EXPECT_FALSE(again.inserted);
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(store->pollTargets().value().size(), 1u);
  auto p = store->findParcel("YT1234567890123").value();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->buyer_id, "buyer-1");
  EXPECT_FALSE(store->findParcel("NOPE").value());
  auto active = store->activeParcels(0, 10).value();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].parcel.id, id);
  EXPECT_TRUE(store->activeParcels(id, 10).value().empty());
}

TEST_P(StoreContract, ANumberTrackedWithTwoCarriersIsFoundAsTheFirstRegistered) {
  auto other = test::sampleParcel();
  // sampleParcel's number with another carrier, one that sorts before its
  // "yuantong" in the (number, carrier) index: the index's first row is the newer.
  other.carrier = "ems";
  auto second = store->addParcel(other, at("2024-05-02T00:00:00Z")).value();
  ASSERT_TRUE(second.inserted);
  ASSERT_NE(second.id, id);
  for (int i = 0; i < 2; ++i) {  // the second read comes from the cached statement
    auto found = store->findParcel("YT1234567890123").value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, std::min(id, second.id));
  }
}

TEST_P(StoreContract, SameHistoryTwiceAddsNothing) {
  EXPECT_EQ(commit(history, {}).value().new_events, 2);
  EXPECT_EQ(commit(history, {}).value().new_events, 0);
  auto reordered = history;
  std::swap(reordered[0], reordered[1]);
  reordered.push_back(history[0]);  // duplicated inside one answer
  EXPECT_EQ(commit(reordered, {}).value().new_events, 0);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].description, "已揽收");
  EXPECT_EQ(store->counts().value().events, 2);
}

TEST_P(StoreContract, RewrittenEventReplacesTheOldOneAndTrimmedHistoryIsKept) {
  commit(history, {}).value();
  auto rewritten = history;
  rewritten[1].description = "到达杭州转运中心（更正）";
  auto out = commit({rewritten[1]}, {}).value();  // the answer also drops the first event
  EXPECT_EQ(out.new_events, 1);
  EXPECT_EQ(out.rewritten, 1);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].description, "已揽收");
  EXPECT_EQ(t[1].description, "到达杭州转运中心（更正）");
  EXPECT_EQ(commit({}, {}).value().rewritten, 0);  // an empty answer removes nothing
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
}

TEST_P(StoreContract, EqualTimesKeepTheOrderTheyCameIn) {
  // Two scans of one second, in both orders: the index keeps them by their
  // texts' hashes, so one of the two orders is not the index's.
  std::vector<std::string> texts = {"已到达【杭州转运中心】", "已从【杭州转运中心】发出"};
  for (int round = 0; round < 2; ++round) {
    auto p = test::sampleParcel();
    p.tracking_number = "EQ" + std::to_string(round);
    auto parcel = store->addParcel(p, at("2024-05-01T00:00:00Z")).value().id;
    std::vector<TrackingEvent> answer = {
        ev("2024-05-01T04:00:00Z", EventKind::picked_up, "已揽收"),
        ev("2024-05-01T12:00:00Z", EventKind::arrived_hub, texts[round]),
        ev("2024-05-01T12:00:00Z", EventKind::departed_hub, texts[1 - round])};
    std::vector<std::string> seen;
    store
        ->commitPoll(parcel, answer, "0", at("2024-05-04T00:00:00Z"),
                     [&](const Parcel&, const Timeline& t, const ClaimFacts&) {
                       for (const auto& e : t) seen.push_back(e.description);
                       return Assessment{ParcelStage::in_transit, {}};
                     })
        .value();
    std::vector<std::string> expected = {"已揽收", texts[round], texts[1 - round]};
    EXPECT_EQ(seen, expected) << "round " << round;
    std::vector<std::string> stored;
    for (const auto& e : store->timeline(parcel).value()) stored.push_back(e.description);
    EXPECT_EQ(stored, expected) << "round " << round;
  }
}

TEST_P(StoreContract, EventDetailsRoundTrip) {
  auto e = ev("2024-05-02T04:00:00Z", EventKind::signed_, "已签收，签收人：门卫");
  e.signer_type = SignerType::reception;
  e.signer = "门卫";
  e.place = {"浙江省", "杭州市", "西湖区"};
  auto f = ev("2024-05-02T03:00:00Z", EventKind::delivery_failed, "电话无人接听");
  f.reason = EventReason::no_contact;
  commit({e, f}, {}).value();
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].reason, EventReason::no_contact);
  EXPECT_EQ(t[1].signer_type, SignerType::reception);
  EXPECT_EQ(t[1].signer, "门卫");
  EXPECT_EQ(t[1].place, (Place{"浙江省", "杭州市", "西湖区"}));
}

TEST_P(StoreContract, OneOpenExceptionAndOneTaskPerKind) {
  auto first = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  ASSERT_EQ(first.raised.size(), 1u);
  EXPECT_EQ(first.raised[0].kind, ExceptionKind::stalled);
  EXPECT_EQ(first.raised[0].tracking_number, "YT1234567890123");
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.empty());
  auto tasks = store->tasks({}).value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].message.zh_cn, "亲");
  EXPECT_EQ(tasks[0].suggestion.remedy, Remedy::soothe_and_wait);
  EXPECT_EQ(store->counts().value().open_exceptions_by_kind.at("stalled"), 1);
  EXPECT_EQ(store->parcelsWithOpen(ExceptionKind::stalled).value(), std::vector<std::int64_t>{id});
  EXPECT_TRUE(store->parcelsWithOpen(ExceptionKind::stalled, id, 10).value().empty());
}

TEST_P(StoreContract, ResolvedWhenItStopsHoldingAndRaisedAgainIfItRecurs) {
  commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value();
  auto moved = commit(history, {}).value();
  ASSERT_EQ(moved.resolved.size(), 1u);
  EXPECT_EQ(moved.resolved[0], ExceptionKind::stalled);
  ASSERT_EQ(moved.closed_tasks.size(), 1u);
  EXPECT_TRUE(store->counts().value().open_exceptions_by_kind.empty());
  EXPECT_EQ(store->tasks({TaskState::open}).value().size(), 0u);
  EXPECT_EQ(store->tasks({TaskState::done}).value().size(), 1u);
  auto again = commit(history, {stallIssue(at("2024-05-06T12:00:00Z"))}).value();
  EXPECT_EQ(again.raised.size(), 1u);
  EXPECT_EQ(store->tasks({}).value().size(), 2u);
}

TEST_P(StoreContract, RaisedAndResolvedLinesAreOwedUntilMarked) {
  auto raised = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  ASSERT_EQ(store->unalertedTasks().value().size(), 1u);
  auto owed = store->unalertedRaises().value();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_TRUE(owed[0].exception_line);
  EXPECT_TRUE(owed[0].task_line);
  ASSERT_TRUE(
      store->markAlerted(AlertMarks{{}, {raised.exception_id}, {}}, at("2024-05-04T00:00:01Z")));
  owed = store->unalertedRaises().value();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_FALSE(owed[0].exception_line);
  EXPECT_TRUE(owed[0].task_line);
  ASSERT_TRUE(store->markAlerted({raised.id}, at("2024-05-04T00:00:01Z")));
  EXPECT_TRUE(store->unalertedRaises().value().empty());
  EXPECT_TRUE(store->unalertedTasks().value().empty());
  auto moved = commit(history, {}).value();
  ASSERT_EQ(moved.resolved_ids, std::vector<std::int64_t>{raised.exception_id});
  auto resolves = store->unalertedResolves().value();
  ASSERT_EQ(resolves.size(), 1u);
  EXPECT_EQ(resolves[0].exception_id, raised.exception_id);
  EXPECT_EQ(resolves[0].tracking_number, "YT1234567890123");
  EXPECT_EQ(resolves[0].kind, ExceptionKind::stalled);
  ASSERT_TRUE(
      store->markAlerted(AlertMarks{{}, {}, {raised.exception_id}}, at("2024-05-04T00:00:02Z")));
  EXPECT_TRUE(store->unalertedResolves().value().empty());
}

// Marks come in runs of consecutive ids (a batch's raises), in any order, with gaps: exactly
// the rows named are marked.
TEST_P(StoreContract, MarksNameTheirRowsWhateverTheirOrderAndGaps) {
  auto since = at("2024-05-03T12:00:00Z");
  auto raised =
      commit(history,
             {issueOf(ExceptionKind::stalled, since), issueOf(ExceptionKind::misrouted, since),
              issueOf(ExceptionKind::problem, since), issueOf(ExceptionKind::customs_hold, since)})
          .value()
          .raised;
  ASSERT_EQ(raised.size(), 4u);
  ASSERT_TRUE(store
                  ->markAlerted(AlertMarks{{raised[3].id, raised[0].id, raised[1].id},
                                           {raised[3].exception_id, raised[0].exception_id,
                                            raised[2].exception_id, raised[0].exception_id},
                                           {}},
                                at("2024-05-04T00:00:01Z"))
                  .has_value());
  auto tasks = store->unalertedTasks().value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].id, raised[2].id);
  auto owed = store->unalertedRaises().value();
  ASSERT_EQ(owed.size(), 2u);
  std::sort(owed.begin(), owed.end(), [](auto& a, auto& b) { return a.task.id < b.task.id; });
  EXPECT_EQ(owed[0].task.id, raised[1].id);
  EXPECT_TRUE(owed[0].exception_line);
  EXPECT_FALSE(owed[0].task_line);
  EXPECT_EQ(owed[1].task.id, raised[2].id);
  EXPECT_FALSE(owed[1].exception_line);
  EXPECT_TRUE(owed[1].task_line);
}

TEST_P(StoreContract, FinalStageLeavesTheSchedule) {
  store
      ->commitPoll(id, history, "3", at("2024-05-04T00:00:00Z"),
                   [](const Parcel&, const Timeline&, const ClaimFacts&) {
                     return Assessment{ParcelStage::delivered, {}};
                   })
      .value();
  EXPECT_TRUE(store->pollTargets().value().empty());
  EXPECT_TRUE(store->dueParcels(at("2030-01-01T00:00:00Z"), 10).value().empty());
  EXPECT_EQ(store->parcel(id).value().stage, ParcelStage::delivered);
}

TEST_P(StoreContract, FailedAssessmentRollsEverythingBack) {
  auto r = store->commitPoll(id, history, "0", at("2024-05-04T00:00:00Z"),
                             [](const Parcel&, const Timeline&, const ClaimFacts&) -> Assessment {
                               throw std::runtime_error("detector bug");
                             });
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("detector bug"), std::string::npos);
  EXPECT_TRUE(store->timeline(id).value().empty());
}

TEST_P(StoreContract, BatchRollsBackOnlyTheRequestThatFailed) {
  auto second = store->addParcel(test::sampleParcel("YT2000000000001"), at("2024-05-01T00:00:00Z"))
                    .value()
                    .id;
  auto third = store->addParcel(test::sampleParcel("YT2000000000002"), at("2024-05-01T00:00:00Z"))
                   .value()
                   .id;
  std::vector<CommitRequest> batch;
  batch.push_back(request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch.push_back(request(second, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch[1].assess = [](const Parcel&, const Timeline&, const ClaimFacts&) -> Assessment {
    throw std::runtime_error("detector bug");
  };
  batch.push_back(request(third, history, {}));
  batch.push_back(request(424242, history, {}));  // untracked meanwhile
  auto out = store->commitBatch(std::move(batch)).value();
  ASSERT_EQ(out.size(), 4u);
  ASSERT_TRUE(out[0]);
  EXPECT_EQ(out[0]->new_events, 2);
  EXPECT_EQ(out[0]->raised.size(), 1u);
  ASSERT_FALSE(out[1]);
  EXPECT_NE(out[1].error().message.find("detector bug"), std::string::npos);
  ASSERT_TRUE(out[2]);
  EXPECT_EQ(out[2]->new_events, 2);
  ASSERT_FALSE(out[3]);
  EXPECT_EQ(out[3].error().code, ErrorCode::not_found);
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
  EXPECT_TRUE(store->timeline(second).value().empty());
  EXPECT_EQ(store->timeline(third).value().size(), 2u);
  EXPECT_EQ(store->tasks({}).value().size(), 1u);
  EXPECT_EQ(store->counts().value().events, 4);
}

TEST_P(StoreContract, APushNamesOnlyItsNumberAndTheCommitFindsTheParcel) {
  auto other = test::sampleParcel();
  other.carrier = "ems";  // the same number with a second carrier: the first registered wins
  ASSERT_TRUE(store->addParcel(other, at("2024-05-02T00:00:00Z")).value().inserted);
  std::vector<CommitRequest> batch;
  batch.push_back(request(0, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch[0].tracking_number = "YT1234567890123";
  batch.push_back(request(0, history, {}));
  batch[1].tracking_number = "NOPE";
  auto out = store->commitBatch(std::move(batch)).value();
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0]);
  ASSERT_TRUE(out[0]->parcel);
  EXPECT_EQ(out[0]->parcel->id, id);
  EXPECT_EQ(out[0]->parcel->carrier, "yuantong");
  EXPECT_EQ(out[0]->new_events, 2);
  EXPECT_EQ(out[0]->raised.size(), 1u);
  ASSERT_FALSE(out[1]);
  EXPECT_EQ(out[1].error().code, ErrorCode::not_found);
  EXPECT_NE(out[1].error().message.find("NOPE"), std::string::npos);
  EXPECT_EQ(store->timeline(id).value().size(), 2u);
}

// The group commit hands the alert lines written since its last batch to
// the next one: they are marked whether the batch's results stand or not.
TEST_P(StoreContract, ABatchMarksTheAlertLinesHandedToIt) {
  auto raised = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  ASSERT_EQ(store->unalertedRaises().value().size(), 1u);
  std::vector<CommitRequest> batch;
  batch.push_back(request(id, history, {stallIssue(at("2024-05-03T12:00:00Z"))}));
  batch.push_back(request(id + 1000, history, {}));  // no such parcel: fails alone
  auto out =
      store->commitBatch(std::move(batch), AlertMarks{{raised.id}, {raised.exception_id}, {}},
                         at("2024-05-04T00:00:01Z"));
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), 2u);
  EXPECT_TRUE((*out)[0]);
  EXPECT_FALSE((*out)[1]);
  EXPECT_TRUE(store->unalertedRaises().value().empty());
  EXPECT_TRUE(store->unalertedTasks().value().empty());
}

TEST_P(StoreContract, ADispatchReadsItsParcelsInOneCallInTheOrderAsked) {
  auto second = test::sampleParcel("ZT7788990011", "2024-05-01T00:00:00Z");
  second.carrier = "zhongtong";
  second.phone = "1234";
  auto secondId = store->addParcel(second, at("2024-05-02T00:00:00Z")).value().id;
  auto other = test::sampleParcel();
  other.carrier = "ems";  // the same number with a second carrier: the first registered wins
  ASSERT_TRUE(store->addParcel(other, at("2024-05-02T00:00:00Z")).value().inserted);
  auto rows = store->findParcels({"ZT7788990011", "NOPE", "YT1234567890123"}).value();
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(rows[0]);
  EXPECT_EQ(rows[0]->id, secondId);
  EXPECT_EQ(rows[0]->phone, std::optional<std::string>("1234"));
  EXPECT_FALSE(rows[1]);
  ASSERT_TRUE(rows[2]);
  EXPECT_EQ(rows[2]->id, id);
  EXPECT_EQ(rows[2]->carrier, "yuantong");
  EXPECT_TRUE(store->findParcels({}).value().empty());
}

TEST_P(StoreContract, TheCommitReadsTheBuyersClaimsForTheAssessment) {
  ASSERT_TRUE(store->addClaim(id, "not received", at("2024-05-02T00:00:00Z")));
  ASSERT_TRUE(store->addClaim(id, "still not", at("2024-05-03T00:00:00Z")));
  std::vector<ClaimFacts> seen;
  auto r = request(id, history, {});
  r.claims_since = at("2024-05-02T12:00:00Z");  // the first claim is outside the window
  r.assess = [&seen](const Parcel& p, const Timeline&, const ClaimFacts& c) {
    EXPECT_EQ(p.tracking_number, "YT1234567890123");
    seen.push_back(c);
    return Assessment{ParcelStage::in_transit, {}};
  };
  std::vector<CommitRequest> batch;
  batch.push_back(std::move(r));
  ASSERT_TRUE(store->commitBatch(std::move(batch)).value().at(0));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].claimed_not_received);
  EXPECT_EQ(seen[0].buyer_claims, 1);
}

TEST_P(StoreContract, CapDropsRepeatedScansFirstAndNeverTheEvidence) {
  StoreOptions small;
  small.event_cap = 10;
  reopen(small);
  std::vector<TrackingEvent> all;
  auto at0 = at("2024-05-01T00:00:00Z");
  auto scanAt = [&](int i, EventKind kind, const std::string& text) {
    auto e = ev("2024-05-01T00:00:00Z", kind, text);
    e.time = at0 + hours(i);
    return e;
  };
  all.push_back(scanAt(0, EventKind::picked_up, "已揽收"));
  auto evidence = scanAt(1, EventKind::delivery_failed, "电话无人接听");
  all.push_back(evidence);
  for (int i = 2; i < 30; ++i)
    all.push_back(
        scanAt(i, EventKind::arrived_hub, i % 7 == 0 ? "到达 " + std::to_string(i) : "到达"));
  // The first commit opens an exception on the failed attempt; the second,
  // over the cap, must keep that evidence.
  auto first = std::vector<TrackingEvent>(all.begin(), all.begin() + 3);
  commit(first, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  auto out =
      commit(all, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  EXPECT_EQ(out.new_events, 27);
  auto t = store->timeline(id).value();
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t.front().description, "已揽收");
  EXPECT_NE(std::find(t.begin(), t.end(), evidence), t.end());
  EXPECT_EQ(t.back().time, all.back().time);  // the newest scan stays
  int distinct = 0;
  for (const auto& e : t) distinct += e.description != "到达";
  EXPECT_GE(distinct, 5);  // the repeats went first: every distinct text is still there
  // The carrier sends the whole history again: what was dropped stays dropped.
  auto again =
      commit(all, {issueOf(ExceptionKind::delivery_failed, evidence.time, {evidence})}).value();
  EXPECT_EQ(again.new_events, 0);
  EXPECT_EQ(store->timeline(id).value().size(), 10u);
  EXPECT_EQ(store->counts().value().events, 10);
}

TEST_P(StoreContract, DueQueueIsOrderedAndWrittenWithTheResult) {
  auto b = store->addParcel(test::sampleParcel("YT5000000000001"), at("2024-05-01T00:00:00Z"))
               .value()
               .id;
  auto c = store->addParcel(test::sampleParcel("YT5000000000002"), at("2024-05-01T00:00:00Z"))
               .value()
               .id;
  // New parcels are due at once, in id order.
  auto due = store->dueParcels(at("2024-05-01T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].parcel_id, id);
  EXPECT_FALSE(due[0].quota.tokens_at);

  auto r = request(id, history, {});
  r.next_poll_at = at("2024-05-04T03:00:00Z");
  r.query = QueryRecord{at("2024-05-04T00:00:00Z"), 46.5};
  auto final = request(b, history, {}, ParcelStage::delivered);
  final.next_poll_at = at("2024-05-04T01:00:00Z");  // a final stage unschedules anyway
  store->commitBatch({r, final}).value();
  ASSERT_TRUE(store->setNextPoll(c, at("2024-05-04T02:00:00Z")));
  EXPECT_FALSE(store->setNextPoll(999, at("2024-05-04T02:00:00Z")));

  EXPECT_TRUE(store->dueParcels(at("2024-05-04T01:59:59Z"), 10).value().empty());
  due = store->dueParcels(at("2024-05-05T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].parcel_id, c);
  EXPECT_EQ(due[1].parcel_id, id);
  EXPECT_EQ(due[1].tracking_number, "YT1234567890123");
  EXPECT_EQ(due[1].carrier, "yuantong");
  EXPECT_EQ(due[1].next_poll_at, at("2024-05-04T03:00:00Z"));
  EXPECT_EQ(due[1].quota.last_query_at, at("2024-05-04T00:00:00Z"));
  EXPECT_EQ(due[1].quota.tokens, 46.5);
  EXPECT_EQ(due[1].last_event_at, history.back().time);
  EXPECT_EQ(due[1].last_event_kind, EventKind::arrived_hub);
  EXPECT_EQ(due[1].stage, ParcelStage::in_transit);
  EXPECT_EQ(store->dueParcels(at("2024-05-05T00:00:00Z"), 1).value().size(), 1u);
  EXPECT_EQ(store->nextDue().value(), at("2024-05-04T02:00:00Z"));

  ASSERT_TRUE(store->recordQuery(c, at("2024-05-04T02:00:00Z"), 47));
  ASSERT_TRUE(store->setNextPoll(c, std::nullopt));
  due = store->dueParcels(at("2024-05-05T00:00:00Z"), 10).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].parcel_id, id);
}

TEST_P(StoreContract, ClaimsAndTaskStatesAndRemoval) {
  EXPECT_FALSE(store->hasClaim(id).value());
  ASSERT_TRUE(store->addClaim(id, "not received", at("2024-05-05T00:00:00Z")));
  EXPECT_TRUE(store->hasClaim(id).value());
  EXPECT_EQ(store->buyerClaims("buyer-1", at("2024-05-01T00:00:00Z")).value(), 1);
  auto task = commit(history, {stallIssue(at("2024-05-03T12:00:00Z"))}).value().raised.at(0);
  auto acked = store->setTaskState(task.id, TaskState::acked, "called", at("2024-05-05T00:00:00Z"));
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->state, TaskState::acked);
  EXPECT_FALSE(store->setTaskState(99999, TaskState::done, "", at("2024-05-05T00:00:00Z")));
  ASSERT_TRUE(store->updateCarrier(id, "zhongtong"));
  EXPECT_EQ(store->parcel(id).value().carrier, "zhongtong");
  ASSERT_TRUE(store->recordPollFailure(id, at("2024-05-05T00:00:00Z"), "HTTP 500"));
  ASSERT_TRUE(store->removeParcel(id));
  EXPECT_FALSE(store->parcel(id));
  EXPECT_TRUE(store->tasks({}).value().empty());
  EXPECT_EQ(store->counts().value().events, 0);
  EXPECT_EQ(store->quickCheck().value(), "ok");
}
