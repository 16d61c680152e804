// kill -9 in the middle of a stream of poll commits: every poll result is all
// there or not there at all, and nothing acknowledged is lost.
#include "store/store.h"

#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

using namespace pw;
using namespace std::chrono;

TEST(StoreCrash, KillNineLosesNothingCommittedAndLeavesNothingHalfWritten) {
  test::TempDir dir;
  auto path = dir / "crash.db";
  constexpr int kEventsPerPoll = 20;
  {
    auto store = Store::open(path).value();
    store->addParcel(test::sampleParcel(), test::at("2024-05-01T00:00:00Z")).value();
  }
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipefd[0]);
    auto store = Store::open(path).value();
    for (int poll = 0;; ++poll) {
      std::vector<TrackingEvent> events;
      for (int i = 0; i < kEventsPerPoll; ++i) {
        TrackingEvent e;
        e.time = test::at("2024-05-01T00:00:00Z") + seconds(poll * kEventsPerPoll + i);
        e.description = "scan " + std::to_string(poll) + "/" + std::to_string(i);
        e.kind = EventKind::in_transit;
        events.push_back(e);
      }
      auto r = store->commitPoll(1, events, "0", test::at("2024-05-02T00:00:00Z"),
                                 [](const Parcel&, const Timeline&) {
                                   return Assessment{ParcelStage::in_transit, {}};
                                 });
      if (!r) _exit(2);
      // Acknowledge only after the commit returned.
      int n = poll + 1;
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

  auto store = Store::open(path).value();
  EXPECT_EQ(store->quickCheck().value(), "ok");
  auto events = store->counts().value().events;
  EXPECT_EQ(events % kEventsPerPoll, 0) << "a poll result was half-written";
  EXPECT_GE(events, acknowledged * kEventsPerPoll) << "an acknowledged poll was lost";
}
