// The alert log file itself: what a reader of `tail -F alerts.jsonl | jq` finds after a crash
// left a partial last line (a full disk, then kill -9); and what the journal gets of a flood.
#include "app/alert_log.h"

#include "common/log.h"
#include "polling/alert_emitter.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <boost/json.hpp>

#include <csignal>
#include <sstream>

#include <sys/resource.h>

using namespace pw;

namespace {

std::vector<std::string> lines(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::istringstream in(test::readFile(file));
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

}  // namespace

TEST(AlertLog, APartialLastLineIsTerminatedBeforeAnythingIsAppended) {
  test::TempDir dir;
  const std::string fragment =
      R"({"ts":"2024-05-04T00:00:00Z","event":"task_raised","task_id":7,"tra)";
  dir.write("alerts.jsonl", R"({"event":"exception_raised","exception_id":7})"
                            "\n" +
                                fragment);
  {
    AlertLog log(dir / "alerts.jsonl");
    EXPECT_TRUE(log.emit({{"event", "task_raised"}, {"task_id", 7}}));
  }
  auto all = lines(dir / "alerts.jsonl");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1], fragment) << "the fragment stays where it was, on a line of its own";
  auto replayed = boost::json::parse(all[2]).as_object();
  EXPECT_EQ(replayed.at("task_id"), 7);
  EXPECT_EQ(test::readFile(dir / "alerts.jsonl").back(), '\n');
}

TEST(AlertLog, ACompleteFileIsLeftAsItIs) {
  test::TempDir dir;
  dir.write("alerts.jsonl", "{\"a\":1}\n");
  { AlertLog log(dir / "alerts.jsonl"); }
  EXPECT_EQ(test::readFile(dir / "alerts.jsonl"), "{\"a\":1}\n");
  { AlertLog fresh(dir / "new.jsonl"); }
  EXPECT_EQ(test::readFile(dir / "new.jsonl"), "");
}

// Lines handed over together go out in one write; a disk that fills up in the middle of one
// (here a file size limit, which gives the same short write) leaves it to be finished, not
// started again, and the lines after it wait their turn.
TEST(AlertLog, LinesHandedOverTogetherSurviveAShortWriteWholeAndInOrder) {
  test::TempDir dir;
  AlertLog log(dir / "alerts.jsonl");
  std::vector<std::string> batch;
  for (int i = 0; i < 100; ++i)  // more than one writev takes
    batch.push_back(R"({"event":"task_raised","task_id":)" + std::to_string(i) + "}");
  rlimit was{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &was), 0);
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = was;
  small.rlim_cur = 100;  // the third line is cut after its 28th byte
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  bool written = log.emitLines(batch);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &was), 0);
  std::signal(SIGXFSZ, previous);
  EXPECT_FALSE(written) << "the file could not take them all";
  EXPECT_EQ(test::readFile(dir / "alerts.jsonl").size(), 100u);
  EXPECT_TRUE(log.emitLines({R"({"event":"task_raised","task_id":100})"}));
  auto all = lines(dir / "alerts.jsonl");
  ASSERT_EQ(all.size(), 101u);
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(boost::json::parse(all[i]).at("task_id"), static_cast<int>(i)) << all[i];
}

// The lines the store wrote for a batch's results reach the sink in one hand-over, when the
// caller takes what to mark; a line built meanwhile (no stored form) follows them.
TEST(AlertEmitter, ABatchsLinesReachTheSinkTogetherBeforeTheyAreMarked) {
  struct CountingSink : AlertSink {
    std::vector<std::vector<std::string>> handed;
    std::vector<std::string> single;
    bool emit(const boost::json::object& record) override {
      single.push_back(boost::json::serialize(record));
      return true;
    }
    bool emitLines(std::vector<std::string> lines) override {
      handed.push_back(std::move(lines));
      return true;
    }
  } sink;
  test::TempDir dir;
  auto store = SqliteStore::open(dir / "pw.db").value();
  SystemClock clock;
  PollCounters counters;
  AlertEmitter emitter(sink, *store, clock, counters);
  Parcel parcel;
  parcel.tracking_number = "YT0000000000";
  parcel.carrier = "yuantong";
  for (std::int64_t id = 1; id <= 3; ++id) {
    PollOutcome outcome;
    NotificationTask t;
    t.id = id;
    t.exception_id = 10 + id;
    t.tracking_number = parcel.tracking_number;
    outcome.raised.push_back(t);
    outcome.alert_lines = {"exception " + std::to_string(id), "task " + std::to_string(id)};
    emitter.announce(parcel, outcome, clock.now());
  }
  EXPECT_TRUE(sink.handed.empty()) << "held until the batch is through";
  PollOutcome built;  // lines the store did not write
  built.resolved = {ExceptionKind::stalled};
  built.resolved_ids = {11};
  emitter.announce(parcel, built, clock.now());
  ASSERT_EQ(sink.handed.size(), 1u) << "what was held goes first";
  EXPECT_EQ(sink.handed[0], (std::vector<std::string>{"exception 1", "task 1", "exception 2",
                                                      "task 2", "exception 3", "task 3"}));
  ASSERT_EQ(sink.single.size(), 1u);
  auto w = emitter.takeWritten();
  EXPECT_EQ(w.marks.tasks, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(w.marks.raised, (std::vector<std::int64_t>{11, 12, 13}));
  EXPECT_EQ(w.marks.resolved, (std::vector<std::int64_t>{11}));
  EXPECT_EQ(sink.handed.size(), 1u);
}

// A first poll round raises thousands of tasks a second: the alert log gets every line, the
// journal (where journald drops whatever goes beyond 10,000 lines in 30 s, errors included) the
// first AlertEmitter::kJournalLinesPerMinute of each kind and then a count.
TEST(AlertEmitter, AFloodOfRaisesReachesTheAlertLogWholeAndTheJournalInPart) {
  test::TempDir dir;
  auto store = SqliteStore::open(dir / "pw.db").value();
  AlertLog log(dir / "alerts.jsonl");
  SystemClock clock;
  PollCounters counters;
  std::ostringstream journal;
  auto detect = subsystemLogger("detect");
  auto kept = detect->sinks();
  detect->sinks() = {std::make_shared<spdlog::sinks::ostream_sink_st>(journal)};
  detect->set_pattern("%v");
  {
    AlertEmitter emitter(log, *store, clock, counters);
    const std::size_t raises = AlertEmitter::kJournalLinesPerMinute + 150;
    Parcel parcel;
    parcel.tracking_number = "YT0000000000";
    parcel.carrier = "yuantong";
    PollOutcome outcome;
    for (std::size_t i = 1; i <= raises; ++i) {
      NotificationTask t;
      t.id = static_cast<std::int64_t>(i);
      t.exception_id = t.id;
      t.tracking_number = parcel.tracking_number;
      t.carrier = parcel.carrier;
      t.kind = ExceptionKind::stalled;
      outcome.raised.push_back(t);
    }
    emitter.announce(parcel, outcome, clock.now());
    EXPECT_EQ(emitter.takeWritten().marks.tasks.size(), raises) << "every line reached the disk";
    EXPECT_EQ(lines(dir / "alerts.jsonl").size(), 2 * raises);
    std::size_t raised = 0;
    std::istringstream in(journal.str());
    for (std::string l; std::getline(in, l);) raised += l.rfind("TASK_RAISED ", 0) == 0;
    EXPECT_EQ(raised, AlertEmitter::kJournalLinesPerMinute);
    EXPECT_EQ(journal.str().find("LOG_SUPPRESSED"), std::string::npos)
        << "the count comes once the minute is over";
    emitter.flushJournal();  // within the minute: nothing yet
    EXPECT_EQ(journal.str().find("LOG_SUPPRESSED"), std::string::npos);
  }
  detect->sinks() = kept;
}
