// One reassessment screen on one thread (Store::screenReassess over pages of
// a thousand active parcels), the work that is most of `reassess --all`: read
// each page's parcels, timelines, open exceptions and claims, and detect.
// bench_reassess measures the whole job through the daemon; this isolates
// the screen's CPU cost from the writer and the machine's other load.
//
//   build/tests/bench/bench_screen [--parcels N] [--db FILE] [--pages N] [benchmark flags]
//
// --db FILE reuses a database bench_reassess built (its --db), else N
// parcels (100000) are built in a temp folder. Figures: parcels/s of one
// thread. --pages N screens exactly N pages, so that two builds do the same
// work: compare their CPU time per page over the same --db, in rounds that
// alternate the builds (see tests/bench/README.md; this VM has no hardware
// counters for `perf stat -e instructions`).
#include "carriers/tracking_number.h"
#include "config/config_loader.h"
#include "load/daemon_config.h"
#include "load/scratch_dir.h"
#include "reassess/reassess_db.h"
#include "remedies/assessor.h"
#include "store/sqlite_store.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

using namespace pw;
using namespace std::chrono;

namespace {

struct Setup {
  std::int64_t parcels = 100000;
  std::optional<std::filesystem::path> db;
  std::int64_t pages = 0;  // a fixed count, else as long as Google Benchmark's min time
};

Setup g_setup;

struct Fixture {
  load::ScratchDir dir;
  Config config;
  Timestamp now;
  std::unique_ptr<Store> store;
  std::unique_ptr<Store> screen;
  std::vector<std::int64_t> active;

  Fixture() {
    load::DaemonConfig cfg;
    cfg.carrier_endpoint = "http://127.0.0.1:9/poll/query.do";
    cfg.messages = std::string(PW_CONF_DIR) + "/messages.toml";
    auto loaded = loadConfig(dir.write("rules.toml", cfg.toml()));
    if (!loaded) throw std::runtime_error("config: " + loaded.error().message);
    config = *loaded;
    now = floor<seconds>(system_clock::now());
    auto file = g_setup.db.value_or(dir / "screen.db");
    if (!g_setup.db) bench::buildReassessDb(file, g_setup.parcels, config.rules, now);
    auto opened = SqliteStore::open(file);
    if (!opened) throw std::runtime_error("open: " + opened.error().message);
    store = std::move(*opened);
    auto s = store->openScreen();
    if (!s || !*s) throw std::runtime_error("this store screens no pages");
    screen = std::move(*s);
    for (std::int64_t after = 0;;) {
      auto ids = store->activeParcelIds(after, 10000);
      if (!ids) throw std::runtime_error("active: " + ids.error().message);
      if (ids->empty()) break;
      active.insert(active.end(), ids->begin(), ids->end());
      after = ids->back();
    }
  }

  ReassessPage page(std::size_t from, std::size_t size) const {
    ReassessPage p;
    for (std::size_t i = from; i < std::min(from + size, active.size()); ++i) {
      p.parcels.emplace_back();
      p.parcels.back().id = active[i];
    }
    p.now = now;
    p.claims_since = now - config.rules.remedy.claim_window;
    // As ResultPipeline::reassessPage assesses.
    p.assess = [this](const Parcel& parcel, const Timeline& timeline, const ClaimFacts& claims,
                      bool messages) {
      AssessContext context;
      context.messages = messages;
      context.facts.number_format_ok =
          checkTrackingNumber(parcel.carrier, parcel.tracking_number).plausible;
      context.buyer_claims_not_received = claims.claimed_not_received;
      context.buyer_claims = claims.buyer_claims;
      context.facts.no_result = timeline.empty();
      return assess(parcel, timeline, context, config.rules, now);
    };
    return p;
  }
};

void BM_ScreenPage(benchmark::State& state) {
  static Fixture f;
  const auto size = static_cast<std::size_t>(state.range(0));
  std::size_t from = 0, screened = 0, named = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (from >= f.active.size()) from = 0;
    auto page = f.page(from, size);
    state.ResumeTiming();
    auto out = f.screen->screenReassess(page);
    if (!out) {
      state.SkipWithError(out.error().message.c_str());
      return;
    }
    screened += page.parcels.size();
    named += out->parcels.size();
    from += size;
    state.PauseTiming();
    out = ScreenedPage{};  // freed outside the timing, as the writer frees them
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(screened));
  state.counters["named"] =
      benchmark::Counter(screened ? static_cast<double>(named) / screened : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags first; the rest are Google Benchmark's.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--parcels") && i + 1 < argc)
      g_setup.parcels = std::stoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--db") && i + 1 < argc)
      g_setup.db = argv[++i];
    else if (!std::strcmp(argv[i], "--pages") && i + 1 < argc)
      g_setup.pages = std::stoll(argv[++i]);
    else
      rest.push_back(argv[i]);
  }
  spdlog::set_level(spdlog::level::warn);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  auto* b = benchmark::RegisterBenchmark("BM_ScreenPage", BM_ScreenPage)
                ->Arg(1000)
                ->Unit(benchmark::kMillisecond);
  if (g_setup.pages > 0)
    b->Iterations(g_setup.pages);
  else
    b->MinTime(3.0);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
