// The alert log file itself: what a reader of `tail -F alerts.jsonl | jq`
// finds after a crash left a partial last line (a full disk, then kill -9).
#include "app/alert_log.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sstream>

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
