// The writer's share of bench_load's first poll round, without the network:
// bench_load's four shaped histories decoded by the real Kuaidi100 codec,
// assessed with the shipped rules and committed in batches to fresh parcels,
// as the group commit does. Prints microseconds per result for decode and for
// the commit, the two the round's CPU per poll is made of besides HTTP.
// Usage: bench_first_poll [--benchmark_filter=...]; PW_BENCH_SETUP_SQL, if set,
// runs on each fresh database first (e.g. "DROP INDEX tasks_by_kind" to see
// what an index costs the commit).
#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "config/config_loader.h"
#include "load/shaped_histories.h"
#include "polling/result_pipeline.h"
#include "store/sqlite_store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <benchmark/benchmark.h>

#include <cstdlib>

using namespace pw;
using namespace std::chrono;

namespace {

constexpr int kParcels = 4000;

Kuaidi100Codec codec() { return Kuaidi100Codec({"http://x", "C", "K", TimeZone::shanghai()}); }

std::string number(int i) { return "YT" + std::to_string(3000000000000LL + i); }

void BM_DecodeShapedAnswer(benchmark::State& state) {
  auto now = SystemClock().now();
  load::ShapedHistories histories(now);
  auto c = codec();
  std::vector<HttpResponse> answers;
  for (int i = 0; i < 4; ++i) answers.push_back({200, histories.body(number(i), i), {}, {}});
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(c.parseQuery(answers[i++ % 4]));
}
BENCHMARK(BM_DecodeShapedAnswer)->Unit(benchmark::kMicrosecond);

// One iteration commits kParcels first answers in batches of range(0).
void BM_FirstPollCommit(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  auto now = SystemClock().now();
  load::ShapedHistories histories(now);
  auto c = codec();
  auto config = std::make_shared<const Config>(
      loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value());
  std::vector<CarrierSnapshot> answers;
  for (int i = 0; i < kParcels; ++i)
    answers.push_back(c.parseQuery({200, histories.body(number(i), i), {}, {}}).value());
  double us = 0;
  for (auto _ : state) {
    state.PauseTiming();
    test::TempDir dir;
    auto store = SqliteStore::open(dir / "bench.db").value();
    if (const char* x = std::getenv("PW_BENCH_SETUP_SQL")) {
      SQLite::Database db((dir / "bench.db").string(), SQLite::OPEN_READWRITE);
      db.exec(x);
    }
    std::vector<CommitRequest> requests;
    for (int i = 0; i < kParcels; ++i) {
      auto p = test::sampleParcel(number(i));
      p.shipped_at = now - hours(72);
      // As the poll path builds it (ResultPipeline::apply).
      auto r = answerRequest(answers[static_cast<std::size_t>(i)], now, false, config);
      r.parcel_id = store->addParcel(p, p.shipped_at).value().id;
      requests.push_back(std::move(r));
    }
    state.ResumeTiming();
    auto start = steady_clock::now();
    for (std::size_t from = 0; from < requests.size(); from += batch) {
      std::vector<CommitRequest> one(
          std::make_move_iterator(requests.begin() + static_cast<std::ptrdiff_t>(from)),
          std::make_move_iterator(requests.begin() + static_cast<std::ptrdiff_t>(
                                                         std::min(requests.size(), from + batch))));
      for (const auto& r : store->commitBatch(std::move(one)).value())
        if (!r) state.SkipWithError(r.error().message.c_str());
    }
    us += duration<double, std::micro>(steady_clock::now() - start).count();
  }
  state.counters["us/result"] = us / static_cast<double>(state.iterations() * kParcels);
}
BENCHMARK(BM_FirstPollCommit)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Arg(64)
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
