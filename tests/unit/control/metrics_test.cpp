#include "control/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace pw;
using namespace pw::control;

TEST(PrometheusText, CountersGaugesAndACumulativeHistogram) {
  StatusReport r;
  r.counters.polls[{"kuaidi100", "ok"}] = 3;
  r.counters.polls[{"kuaidi100", "rate_limited"}] = 1;
  r.counters.latency["kuaidi100"].observe(0.04);
  r.counters.latency["kuaidi100"].observe(0.3);
  r.counters.latency["kuaidi100"].observe(100);  // beyond the last bucket
  r.counts.open_exceptions_by_kind["stalled"] = 2;
  r.counts.tasks_by_state["open"] = 2;
  r.scheduled = 7;
  r.commit_transactions = 4;
  r.results_committed = 90;
  std::string text = prometheusText(r, "1.2\"3");
  for (auto line : {
           "# TYPE parcelwatch_polls_total counter",
           "parcelwatch_polls_total{carrier=\"kuaidi100\",outcome=\"ok\"} 3",
           "parcelwatch_polls_total{carrier=\"kuaidi100\",outcome=\"rate_limited\"} 1",
           "parcelwatch_request_duration_seconds_bucket{carrier=\"kuaidi100\",le=\"0.05\"} 1",
           "parcelwatch_request_duration_seconds_bucket{carrier=\"kuaidi100\",le=\"0.25\"} 1",
           "parcelwatch_request_duration_seconds_bucket{carrier=\"kuaidi100\",le=\"0.5\"} 2",
           "parcelwatch_request_duration_seconds_bucket{carrier=\"kuaidi100\",le=\"60\"} 2",
           "parcelwatch_request_duration_seconds_bucket{carrier=\"kuaidi100\",le=\"+Inf\"} 3",
           "parcelwatch_request_duration_seconds_count{carrier=\"kuaidi100\"} 3",
           "parcelwatch_open_exceptions{kind=\"stalled\"} 2",
           "parcelwatch_open_exceptions{kind=\"false_signed\"} 0",
           "parcelwatch_tasks{state=\"dismissed\"} 0",
           "parcelwatch_queue_scheduled 7",
           "# TYPE parcelwatch_commit_transactions_total counter",
           "parcelwatch_commit_transactions_total 4",
           "parcelwatch_results_committed_total 90",
           "parcelwatch_build_info{version=\"1.2\\\"3\"} 1",
       })
    EXPECT_NE(text.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << text;
  // Every sample line is "name{labels} value" or "name value".
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_EQ(line.rfind("parcelwatch_", 0), 0u) << line;
    EXPECT_NE(line.rfind(' '), std::string::npos) << line;
  }
}
