// parcelwatchctl follow against the real parcelwatchd with the bundled simulator (the embedded
// default configuration): every alert event once, in commit order, equal to the alert log's
// lines; resumable with --from; new events only without it; across a daemon restart; bad
// arguments refused.
#include "support/fixtures.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <sstream>

using namespace pw;
using namespace std::chrono;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string kDaemon = PW_DAEMON;
const std::string kCtl = PW_CTL;

// Whole lines only: a writer may be half-way through the last one.
std::vector<json::object> jsonLines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text.substr(0, text.rfind('\n') + 1));
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line).as_object());
  return out;
}

struct FollowE2E : ::testing::Test {
  test::TempDir dir;
  fs::path config = dir / "conf/parcelwatch.toml";
  fs::path socket = dir / "state/parcelwatch.sock";
  fs::path alerts = dir / "state/alerts.jsonl";

  FollowE2E() {
    // The quick-start configuration, copied so its ../state lands in the temp dir.
    fs::create_directories(dir / "conf/simulator");
    for (auto f : {"parcelwatch.toml", "messages.toml", "simulator/samples.json"})
      fs::copy_file(fs::path(PW_CONF_DIR) / f, dir / "conf" / f);
  }

  test::RunResult ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {kCtl, "-s", socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, dir.path());
  }
  std::unique_ptr<test::Subprocess> startDaemon() {
    auto d = std::make_unique<test::Subprocess>(
        std::vector<std::string>{kDaemon, "-c", config.string()}, dir.path());
    EXPECT_TRUE(test::waitFor([&] { return ctl({"status"}).status == 0 || !d->running(); },
                              seconds(20), "the daemon to answer status"))
        << d->err();
    return d;
  }
  std::vector<json::object> alertLines() {
    return fs::exists(alerts) ? jsonLines(test::readFile(alerts)) : std::vector<json::object>{};
  }
  std::vector<json::object> followed(std::vector<std::string> args) {
    args.insert(args.begin(), "follow");
    auto r = ctl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return jsonLines(r.out);
  }
  std::vector<std::int64_t> openTaskIds() {
    std::vector<std::int64_t> ids;
    auto r = ctl({"--json", "tasks"});
    if (r.status != 0) return ids;
    auto answer = json::parse(r.out);
    for (const auto& t : answer.at("arguments").at("tasks").as_array())
      ids.push_back(t.at("id").as_int64());
    return ids;
  }
  static json::object withoutSeq(json::object o) {
    o.erase("seq");
    return o;
  }
};

}  // namespace

TEST_F(FollowE2E, EveryEventOnceInCommitOrderAsTheAlertLogHasItAndResumable) {
  auto daemon = startDaemon();
  // The simulator's sample histories raise tasks on the first polls (stalled, not picked up,
  // ...); wait until the polls are done and the alert log and the outbox agree.
  std::vector<json::object> events;
  ASSERT_TRUE(test::waitFor(
      [&] {
        events = followed({"--from", "0", "--once"});
        auto logged = alertLines();
        return events.size() >= 2 && logged.size() == events.size();
      },
      seconds(60), "the simulator's alert events in the outbox and the alert log"))
      << daemon->err();
  auto logged = alertLines();
  std::int64_t last = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    ASSERT_TRUE(events[i].contains("seq"));
    auto seq = events[i].at("seq").as_int64();
    EXPECT_GT(seq, last) << "seq goes up";
    last = seq;
    EXPECT_EQ(withoutSeq(events[i]), logged[i]) << "event " << i;
  }
  bool raisedTask = false;
  for (const auto& e : events) {
    std::string name(e.at("event").as_string());
    EXPECT_TRUE(name == "exception_raised" || name == "task_raised" ||
                name == "exception_updated" || name == "exception_resolved" ||
                name == "task_closed" || name == "task_updated")
        << name;
    raisedTask = raisedTask || name == "task_raised";
  }
  EXPECT_TRUE(raisedTask);

  // Resuming from the last seq seen prints nothing new; from an earlier one, the rest.
  auto from = std::to_string(last);
  EXPECT_TRUE(followed({"--from", from, "--once"}).empty());
  auto rest = followed({"--from", std::to_string(events[0].at("seq").as_int64()), "--once"});
  ASSERT_EQ(rest.size(), events.size() - 1);
  EXPECT_EQ(rest.front(), events[1]);
  auto two = followed({"--from", "0", "--limit", "2"});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1], events[1]);

  // A follower from now on sees only what is committed after it started: acking a task.
  test::Subprocess live({kCtl, "-s", socket.string(), "follow"}, dir.path());
  auto tasks = openTaskIds();
  ASSERT_FALSE(tasks.empty());
  std::this_thread::sleep_for(milliseconds(500));  // it has read the head
  ASSERT_EQ(ctl({"task", std::to_string(tasks[0]), "ack", "--outcome", "called"}).status, 0);
  ASSERT_TRUE(test::waitFor([&] { return !live.out().empty(); }, seconds(10), "the new event"))
      << live.err();
  // Only events after the ones printed above (the simulator may commit one of its own beside).
  auto fresh = jsonLines(live.out());
  ASSERT_FALSE(fresh.empty());
  EXPECT_GT(fresh.front().at("seq").as_int64(), last);
  auto acked = std::find_if(fresh.begin(), fresh.end(),
                            [](const auto& e) { return e.at("event") == "task_updated"; });
  ASSERT_NE(acked, fresh.end()) << live.out();
  auto logLines = alertLines();
  EXPECT_NE(std::find(logLines.begin(), logLines.end(), withoutSeq(*acked)), logLines.end());
  live.signal(SIGTERM);
  EXPECT_EQ(live.wait(seconds(5)), 0) << "SIGTERM ends follow cleanly";

  // The reader going away (| head) ends it too, with status 0.
  auto piped = test::run({"/bin/bash", "-c",
                          "'" + kCtl + "' -s '" + socket.string() +
                              "' follow --from 0 | head -n 1; echo \"status ${PIPESTATUS[0]}\""},
                         dir.path(), std::nullopt, seconds(15));
  auto pipedLines = piped.out.substr(0, piped.out.find('\n'));
  EXPECT_EQ(json::parse(pipedLines).as_object(), events[0]);
  EXPECT_NE(piped.out.find("status 0"), std::string::npos) << piped.out << piped.err;

  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait(seconds(10)), 0);
}

TEST_F(FollowE2E, ADaemonRestartIsWaitedForAndFollowingResumesAfterTheLastSeq) {
  auto daemon = startDaemon();
  ASSERT_TRUE(test::waitFor([&] { return openTaskIds().size() >= 2; }, seconds(60),
                            "two tasks from the simulator"))
      << daemon->err();
  auto before = followed({"--from", "0", "--once"});
  ASSERT_FALSE(before.empty());
  auto last = before.back().at("seq").as_int64();
  test::Subprocess live({kCtl, "-s", socket.string(), "follow", "--from", std::to_string(last)},
                        dir.path());
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait(seconds(10)), 0);
  ASSERT_TRUE(test::waitFor([&] { return live.err().find("retrying") != std::string::npos; },
                            seconds(10), "follow to notice the daemon is gone"));
  EXPECT_NE(live.err().find("resume after seq " + std::to_string(last)), std::string::npos)
      << live.err();
  daemon = startDaemon();
  auto tasks = openTaskIds();
  ASSERT_FALSE(tasks.empty());
  ASSERT_EQ(ctl({"task", std::to_string(tasks[0]), "dismiss"}).status, 0);
  ASSERT_TRUE(test::waitFor(
      [&] {
        for (const auto& e : jsonLines(live.out()))
          if (e.at("event") == "task_updated") return true;
        return false;
      },
      seconds(15), "the event committed after the restart"))
      << live.err();
  auto after = jsonLines(live.out());
  EXPECT_EQ(after.front().at("seq").as_int64(), last + 1) << "nothing skipped, nothing repeated";
  EXPECT_NE(live.err().find("reconnected"), std::string::npos) << live.err();
  live.signal(SIGINT);
  EXPECT_EQ(live.wait(seconds(5)), 0);
}

TEST_F(FollowE2E, BadArgumentsAreRefusedWithAClearError) {
  auto daemon = startDaemon();
  for (auto bad : {"-1", "abc", "1.5"}) {
    auto r = ctl({"follow", "--from", bad, "--once"});
    EXPECT_NE(r.status, 0) << bad;
    EXPECT_NE(r.err.find("--from"), std::string::npos) << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  auto zero = ctl({"follow", "--from", "0", "--limit", "0"});
  EXPECT_NE(zero.status, 0);
  EXPECT_NE(zero.err.find("--limit"), std::string::npos) << zero.err;
  // A seq the outbox never reached: the daemon says so (a different or restored database).
  auto ahead = ctl({"follow", "--from", "999999", "--once"});
  EXPECT_EQ(ahead.status, 1);
  EXPECT_NE(ahead.err.find("past the outbox's last event"), std::string::npos) << ahead.err;
}
