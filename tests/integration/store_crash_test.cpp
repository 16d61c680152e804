// kill -9 in the middle of a stream of poll commits: every poll result is all
// there or not there at all, and nothing acknowledged is lost.
#include "store/sqlite_store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

using namespace pw;
using namespace std::chrono;

namespace {

// kBatch poll results per commitBatch (1: commitPoll); the child acknowledges
// each poll only once the call that committed it returned.
void killNineWhileCommitting(int batch) {
  test::TempDir dir;
  auto path = dir / "crash.db";
  constexpr int kEventsPerPoll = 20;
  {
    auto store = SqliteStore::open(path).value();
    store->addParcel(test::sampleParcel(), test::at("2024-05-01T00:00:00Z")).value();
  }
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipefd[0]);
    StoreOptions unbounded;
    unbounded.event_cap = 1000000;  // every event stays: the count tells what was committed
    auto store = SqliteStore::open(path, unbounded).value();
    auto assess = [](const Parcel&, const Timeline&, const ClaimFacts&) {
      return Assessment{ParcelStage::in_transit, {}};
    };
    for (int poll = 0;;) {
      std::vector<CommitRequest> requests;
      for (int b = 0; b < batch; ++b, ++poll) {
        CommitRequest r;
        r.parcel_id = 1;
        r.now = test::at("2024-05-02T00:00:00Z");
        r.carrier_state = "0";
        r.assess = assess;
        for (int i = 0; i < kEventsPerPoll; ++i) {
          TrackingEvent e;
          e.time = test::at("2024-05-01T00:00:00Z") + seconds(poll * kEventsPerPoll + i);
          e.description = "scan " + std::to_string(poll) + "/" + std::to_string(i);
          e.kind = EventKind::in_transit;
          r.events.push_back(e);
        }
        requests.push_back(std::move(r));
      }
      bool ok = true;
      if (batch == 1) {
        ok = static_cast<bool>(
            store->commitPoll(1, requests[0].events, "0", requests[0].now, assess));
      } else {
        auto r = store->commitBatch(std::move(requests));
        ok =
            r && std::all_of(r->begin(), r->end(), [](const auto& one) { return one.has_value(); });
      }
      if (!ok) _exit(2);
      // Acknowledge only after the commit returned.
      int n = poll;
      if (write(pipefd[1], &n, sizeof n) != sizeof n) _exit(3);
    }
  }
  close(pipefd[1]);
  int acknowledged = 0, n = 0;
  while (acknowledged < 40 && read(pipefd[0], &n, sizeof n) == sizeof n) acknowledged = n;
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  while (read(pipefd[0], &n, sizeof n) == sizeof n)
    acknowledged = n;  // drain what was sent before death
  close(pipefd[0]);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(acknowledged, 40);

  auto store = SqliteStore::open(path).value();
  EXPECT_EQ(store->quickCheck().value(), "ok");
  auto events = store->counts().value().events;
  EXPECT_EQ(events % kEventsPerPoll, 0) << "a poll result was half-written";
  EXPECT_GE(events, acknowledged * kEventsPerPoll) << "an acknowledged poll was lost";
  // The counts kept by triggers are as exact as the rows after the crash.
  SQLite::Database db(path.string());
  EXPECT_EQ(events, db.execAndGet("SELECT COUNT(*) FROM events").getInt64());
}

}  // namespace

TEST(StoreCrash, KillNineLosesNothingCommittedAndLeavesNothingHalfWritten) {
  killNineWhileCommitting(1);
}

TEST(StoreCrash, KillNineDuringGroupCommitsLosesNoAcknowledgedBatch) { killNineWhileCommitting(8); }
