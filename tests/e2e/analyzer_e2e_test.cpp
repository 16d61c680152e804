// The labelled scenario corpus (tests/data/scenarios) through the real
// `parcelwatchctl analyze`: every case's open exceptions must be exactly the
// ones it expects; precision and recall per kind are printed.
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace pw;

namespace {
const std::string kCtl = PW_CTL;
const std::string kConfig = std::string(PW_CONF_DIR) + "/parcelwatch.toml";
}  // namespace

TEST(Analyzer, ScenarioCorpusPrecisionAndRecall) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(std::string(PW_TEST_DATA_DIR) + "/scenarios"))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 60u);

  test::TempDir dir;
  std::vector<std::string> argv = {kCtl, "-c", kConfig, "analyze"};
  argv.insert(argv.end(), files.begin(), files.end());
  auto r = test::run(argv, dir.path());
  ASSERT_EQ(r.status, 0) << r.err;

  std::istringstream lines(r.out);
  std::string line;
  std::map<std::string, std::array<int, 3>> counts;  // kind -> tp, fp, fn
  size_t index = 0, exact = 0;
  std::set<std::string> kinds;
  while (std::getline(lines, line)) {
    ASSERT_LT(index, files.size());
    auto verdict = boost::json::parse(line).as_object();
    auto expectedArr = boost::json::parse(test::readFile(files[index])).at("expect").as_array();
    std::set<std::string> expected, got;
    for (const auto& k : expectedArr) expected.insert(std::string(k.as_string()));
    for (const auto& e : verdict.at("exceptions").as_array()) {
      got.insert(std::string(e.at("kind").as_string()));
      for (auto key : {"since", "severity", "evidence", "remedy", "reason", "message"})
        EXPECT_TRUE(e.as_object().contains(key)) << key;
    }
    for (const auto& k : got) counts[k][expected.count(k) ? 0 : 1]++;
    for (const auto& k : expected)
      if (!got.count(k)) counts[k][2]++;
    kinds.insert(expected.begin(), expected.end());
    if (expected == got)
      ++exact;
    else
      ADD_FAILURE() << fs::path(files[index]).filename() << ": expected " << expectedArr << ", got "
                    << verdict.at("exceptions");
    ++index;
  }
  EXPECT_EQ(index, files.size());
  std::cout << files.size() << " cases, " << exact << " exactly right\n";
  std::cout << "kind               precision  recall   (tp/fp/fn)\n";
  for (const auto& [kind, c] : counts) {
    double p = c[0] + c[1] ? double(c[0]) / (c[0] + c[1]) : 1.0;
    double rc = c[0] + c[2] ? double(c[0]) / (c[0] + c[2]) : 1.0;
    std::printf("%-18s %8.2f %8.2f   (%d/%d/%d)\n", kind.c_str(), p, rc, c[0], c[1], c[2]);
  }
  EXPECT_EQ(kinds.size(), 14u) << "every exception kind has a positive case";
}

TEST(Analyzer, BadCasesNameTheFileAndField) {
  test::TempDir dir;
  auto notJson = dir.write("a.json", "{oops");
  auto noParcel =
      dir.write("b.json", R"({"as_of":"2024-05-01T00:00:00Z","source":"kuaidi100","response":{}})");
  auto badSource = dir.write(
      "c.json",
      R"({"parcel":{"tracking_number":"YT7000000000000","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市"},"shipped_at":"2024-05-01T10:00:00+08:00"},"as_of":"2024-05-02T00:00:00Z","source":"fedex","response":{}})");
  auto r = test::run(
      {kCtl, "-c", kConfig, "analyze", notJson.string(), noParcel.string(), badSource.string()},
      dir.path());
  EXPECT_EQ(r.status, 65);
  EXPECT_NE(r.err.find(notJson.string() + ": not JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(noParcel.string() + ": field 'parcel': missing"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(badSource.string() + ": field 'source': unknown source 'fedex'"),
            std::string::npos)
      << r.err;
  r = test::run({kCtl, "-c", (dir / "none.toml").string(), "analyze", notJson.string()},
                dir.path());
  EXPECT_EQ(r.status, 78);
  r = test::run({kCtl, "-c", kConfig, "analyze", (dir / "missing.json").string()}, dir.path());
  EXPECT_EQ(r.status, 66);
}
